namespace GenPipe.Text;

/// <summary>
/// GPT-2's reversible map from bytes to printable characters, so that BPE works on visible strings: the printable
/// Latin-1 bytes (<c>!</c>..<c>~</c>, <c>¡</c>..<c>¬</c>, <c>®</c>..<c>ÿ</c>) stand for themselves and the other 68
/// bytes, in increasing order, take the characters from U+0100 on (so a space is <c>Ġ</c>, a newline <c>Ċ</c>).
/// </summary>
internal static class ByteUnicodeTable
{
    private static readonly char[] ByteToChar = Build();
    private static readonly Dictionary<char, byte> CharToByte = ByteToChar.Select((c, b) => (c, b)).ToDictionary(p => p.c, p => (byte)p.b);

    /// <summary>The character of <paramref name="value"/>.</summary>
    public static char ToChar(byte value) => ByteToChar[value];

    /// <summary>The byte of <paramref name="symbol"/>, or false when it is not one of the 256 characters.</summary>
    public static bool TryToByte(char symbol, out byte value) => CharToByte.TryGetValue(symbol, out value);

    private static char[] Build()
    {
        var table = new char[256];
        int extra = 0;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            table[b] = printable ? (char)b : (char)(256 + extra++);
        }

        return table;
    }
}
