namespace GenPipe.Core.Imaging;

/// <summary>A decoded PNG: size, channel count, pixel bytes and the chunk types in file order.</summary>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
/// <param name="Channels">1 for greyscale, 3 for RGB.</param>
/// <param name="Pixels"><c>Width * Height * Channels</c> bytes, row-major.</param>
/// <param name="ChunkTypes">Every chunk's four-letter type, in the order the file holds them.</param>
public sealed record PngImage(int Width, int Height, int Channels, byte[] Pixels, IReadOnlyList<string> ChunkTypes)
{
    /// <summary>The text chunks (<c>tEXt</c>, uncompressed <c>iTXt</c>) in file order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Text { get; init; } = [];

    /// <summary>The image as RGB (greyscale values copied to all three channels).</summary>
    public RgbImage ToRgb()
    {
        if (Channels == 3)
        {
            return new RgbImage(Width, Height, (byte[])Pixels.Clone());
        }

        var rgb = new byte[Pixels.Length * 3];
        for (int i = 0; i < Pixels.Length; i++)
        {
            rgb[3 * i] = rgb[(3 * i) + 1] = rgb[(3 * i) + 2] = Pixels[i];
        }

        return new RgbImage(Width, Height, rgb);
    }
}
