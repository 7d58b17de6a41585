namespace GenPipe.Core.Imaging;

/// <summary>
/// The five PNG scanline filters (PNG specification, section 9): each byte is stored as the difference from a
/// prediction made from its left neighbour <c>a</c>, the byte above <c>b</c> and the one above-left <c>c</c>.
/// </summary>
internal static class PngFilter
{
    public const byte None = 0;
    public const byte Sub = 1;
    public const byte Up = 2;
    public const byte Average = 3;
    public const byte Paeth = 4;

    /// <summary>Writes the filtered form of <paramref name="row"/> to <paramref name="output"/>.</summary>
    /// <param name="type">The filter type, 0 to 4.</param>
    /// <param name="row">The raw scanline.</param>
    /// <param name="previous">The raw scanline above (all zeros for the first row).</param>
    /// <param name="bytesPerPixel">The distance to the left neighbour in bytes.</param>
    /// <param name="output">Receives <c>row.Length</c> filtered bytes.</param>
    public static void Apply(byte type, ReadOnlySpan<byte> row, ReadOnlySpan<byte> previous, int bytesPerPixel, Span<byte> output)
    {
        for (int i = 0; i < row.Length; i++)
        {
            int a = i >= bytesPerPixel ? row[i - bytesPerPixel] : 0;
            int c = i >= bytesPerPixel ? previous[i - bytesPerPixel] : 0;
            output[i] = unchecked((byte)(row[i] - Predict(type, a, previous[i], c)));
        }
    }

    /// <summary>Turns a filtered scanline back into raw bytes, in place.</summary>
    /// <exception cref="InvalidDataException">The filter type is not 0 to 4.</exception>
    public static void Undo(byte type, Span<byte> row, ReadOnlySpan<byte> previous, int bytesPerPixel)
    {
        if (type > Paeth)
        {
            throw new InvalidDataException($"Unknown PNG filter type {type} (valid: 0 to 4).");
        }

        for (int i = 0; i < row.Length; i++)
        {
            // Left bytes are already restored, as the prediction requires.
            int a = i >= bytesPerPixel ? row[i - bytesPerPixel] : 0;
            int c = i >= bytesPerPixel ? previous[i - bytesPerPixel] : 0;
            row[i] = unchecked((byte)(row[i] + Predict(type, a, previous[i], c)));
        }
    }

    private static int Predict(byte type, int a, int b, int c) => type switch
    {
        None => 0,
        Sub => a,
        Up => b,
        Average => (a + b) >> 1,
        Paeth => PaethPredictor(a, b, c),
        _ => throw new InvalidDataException($"Unknown PNG filter type {type} (valid: 0 to 4)."),
    };

    private static int PaethPredictor(int a, int b, int c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a);
        int pb = Math.Abs(p - b);
        int pc = Math.Abs(p - c);
        if (pa <= pb && pa <= pc)
        {
            return a;
        }

        return pb <= pc ? b : c;
    }
}
