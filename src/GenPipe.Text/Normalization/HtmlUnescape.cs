using System.Text;

namespace GenPipe.Text.Normalization;

/// <summary>
/// Python's <c>html.unescape</c>, which follows the HTML standard: named references from the HTML5 list (some also
/// without their semicolon, and then as the longest such name that prefixes the text), decimal and hexadecimal
/// references (NUL, CR and 0x80..0x9F replaced per the standard's table, surrogates and values past U+10FFFF as
/// U+FFFD, controls and noncharacters removed). <see cref="System.Net.WebUtility.HtmlDecode(string)"/> knows only
/// HTML 4's entities and always wants the semicolon, so the reference's results on such text differ from it.
/// </summary>
internal static class HtmlUnescape
{
    // A named reference is at most 32 code points (not tab, newline, form feed, space, <, &, # or ;) and an optional ';'.
    private const int MaxNameLength = 32;
    private const string NotInName = "\t\n\f <&#;";

    private static readonly Lazy<Dictionary<string, string>> Entities = new(() =>
        EmbeddedTable.Lines("html5-entities.txt", '\t').ToDictionary(f => f[0], f => EmbeddedTable.CodePoints(f[1].Split(' ')), StringComparer.Ordinal));

    private static readonly Lazy<Dictionary<int, string>> Replaced = new(() =>
        EmbeddedTable.Lines("html-numeric.txt", '\t').ToDictionary(f => EmbeddedTable.Hex(f[0]), f => EmbeddedTable.CodePoints(f[1].Split(' '))));

    /// <summary>The text with its character references replaced, each once (a replacement is not read again).</summary>
    public static string Unescape(string text)
    {
        if (!text.Contains('&', StringComparison.Ordinal))
        {
            return text;
        }

        var result = new StringBuilder(text.Length);
        int at = 0;
        while (at < text.Length)
        {
            int amp = text.IndexOf('&', at);
            if (amp < 0)
            {
                result.Append(text, at, text.Length - at);
                break;
            }

            result.Append(text, at, amp - at);
            at = amp + 1;
            if (TryNumeric(text, ref at, out string? numeric))
            {
                result.Append(numeric);
            }
            else if (TryNamed(text, ref at, out string? named))
            {
                result.Append(named);
            }
            else
            {
                result.Append('&');
            }
        }

        return result.ToString();
    }

    private static bool TryNumeric(string text, ref int at, out string? value)
    {
        value = null;
        if (at >= text.Length || text[at] != '#')
        {
            return false;
        }

        bool hex = at + 1 < text.Length && text[at + 1] is 'x' or 'X';
        int start = at + (hex ? 2 : 1);
        int end = start;
        long number = 0;
        while (end < text.Length && IsDigit(text, end, hex))
        {
            // Saturates: any value past U+10FFFF reads the same (U+FFFD), however many digits follow.
            number = Math.Min((number * (hex ? 16 : 10)) + DigitValue(text[end]), 0x110000);
            end++;
        }

        if (end == start)
        {
            return false;
        }

        at = end < text.Length && text[end] == ';' ? end + 1 : end;
        value = FromNumber((int)number);
        return true;
    }

    private static string FromNumber(int number)
    {
        if (Replaced.Value.TryGetValue(number, out string? replacement))
        {
            return replacement;
        }

        if (number is >= 0xD800 and <= 0xDFFF or > 0x10FFFF)
        {
            return "\uFFFD";
        }

        bool removed = number is >= 0x1 and <= 0x8 or 0xB or >= 0xE and <= 0x1F or >= 0x7F and <= 0x9F or >= 0xFDD0 and <= 0xFDEF
            || (number & 0xFFFE) == 0xFFFE;
        return removed ? "" : char.ConvertFromUtf32(number);
    }

    private static bool TryNamed(string text, ref int at, out string? value)
    {
        value = null;
        int end = at;
        int length = 0;
        while (end < text.Length && length < MaxNameLength && !NotInName.Contains(text[end], StringComparison.Ordinal))
        {
            end += char.IsSurrogatePair(text, end) ? 2 : 1;
            length++;
        }

        if (length == 0)
        {
            return false;
        }

        if (end < text.Length && text[end] == ';')
        {
            end++;
        }

        string name = text[at..end];
        at = end;
        var entities = Entities.Value;
        if (entities.TryGetValue(name, out value))
        {
            return true;
        }

        // The longest prefix of at least two characters that is a name (only names valid without ';' can be).
        for (int prefix = name.Length - 1; prefix > 1; prefix--)
        {
            if (entities.TryGetValue(name[..prefix], out string? found))
            {
                value = found + name[prefix..];
                return true;
            }
        }

        value = "&" + name;
        return true;
    }

    private static bool IsDigit(string text, int at, bool hex) => hex ? char.IsAsciiHexDigit(text[at]) : char.IsAsciiDigit(text[at]);

    private static int DigitValue(char digit) => char.IsAsciiDigit(digit) ? digit - '0' : (digit | 0x20) - 'a' + 10;
}
