namespace GenPipe.Core.Imaging;

/// <summary>An 8-bit-per-channel RGB colour.</summary>
/// <param name="R">Red, 0 to 255.</param>
/// <param name="G">Green, 0 to 255.</param>
/// <param name="B">Blue, 0 to 255.</param>
public readonly record struct Rgb(byte R, byte G, byte B)
{
    /// <summary>Black.</summary>
    public static Rgb Black => new(0, 0, 0);

    /// <summary>White.</summary>
    public static Rgb White => new(255, 255, 255);

    /// <summary>A grey with all three channels equal to <paramref name="level"/>.</summary>
    public static Rgb Gray(byte level) => new(level, level, level);
}
