namespace GenPipe.Core.Imaging;

/// <summary>
/// A 3x5-pixel font for numbers: digits, minus, dot, plus, 'e' and space; enough for axis labels without a font
/// dependency.
/// </summary>
internal static class DigitFont
{
    public const int GlyphWidth = 3;
    public const int GlyphHeight = 5;

    /// <summary>Horizontal distance from one glyph to the next, in unscaled pixels.</summary>
    public const int Advance = GlyphWidth + 1;

    /// <summary>The glyph rows, top first; bit 2 is the leftmost pixel. Null for characters the font lacks.</summary>
    public static byte[]? Glyph(char c) => c switch
    {
        '0' => [0b111, 0b101, 0b101, 0b101, 0b111],
        '1' => [0b010, 0b110, 0b010, 0b010, 0b111],
        '2' => [0b111, 0b001, 0b111, 0b100, 0b111],
        '3' => [0b111, 0b001, 0b111, 0b001, 0b111],
        '4' => [0b101, 0b101, 0b111, 0b001, 0b001],
        '5' => [0b111, 0b100, 0b111, 0b001, 0b111],
        '6' => [0b111, 0b100, 0b111, 0b101, 0b111],
        '7' => [0b111, 0b001, 0b001, 0b001, 0b001],
        '8' => [0b111, 0b101, 0b111, 0b101, 0b111],
        '9' => [0b111, 0b101, 0b111, 0b001, 0b111],
        '-' => [0b000, 0b000, 0b111, 0b000, 0b000],
        '+' => [0b000, 0b010, 0b111, 0b010, 0b000],
        '.' => [0b000, 0b000, 0b000, 0b000, 0b010],
        'e' => [0b000, 0b111, 0b111, 0b100, 0b111],
        ' ' => [0, 0, 0, 0, 0],
        _ => null,
    };
}
