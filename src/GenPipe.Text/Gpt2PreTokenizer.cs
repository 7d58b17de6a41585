using System.Globalization;
using System.Text;

namespace GenPipe.Text;

/// <summary>
/// GPT-2's pre-tokenization pattern <c>'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+</c>
/// as a scanner over code points, so that letters and digits outside the Basic Multilingual Plane (surrogate pairs,
/// which .NET's regex sees as two "other" code units) are classified as GPT-2's Python <c>regex</c> classifies them.
/// </summary>
internal static class Gpt2PreTokenizer
{
    private static readonly string[] Contractions = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d"];

    private enum Kind
    {
        Letter,
        Number,
        Other,
        Space,
    }

    /// <summary>The pieces of <paramref name="text"/>, in order; their concatenation is the text.</summary>
    public static IEnumerable<string> Split(string text)
    {
        int start = 0;
        while (start < text.Length)
        {
            int end = MatchAt(text, start);
            yield return text[start..end];
            start = end;
        }
    }

    // The end of the pattern's match at start (alternatives in the pattern's order; each takes the longest run).
    private static int MatchAt(string text, int start)
    {
        foreach (string contraction in Contractions)
        {
            if (string.CompareOrdinal(text, start, contraction, 0, contraction.Length) == 0)
            {
                return start + contraction.Length;
            }
        }

        foreach (var kind in (ReadOnlySpan<Kind>)[Kind.Letter, Kind.Number, Kind.Other])
        {
            int from = text[start] == ' ' ? start + 1 : start;
            int end = Run(text, from, kind);
            if (end > from)
            {
                return end;
            }
        }

        // Whitespace: \s+(?!\S) keeps the run's last space for the next word when a non-space follows; \s+ otherwise.
        int spaceEnd = Run(text, start, Kind.Space);
        if (spaceEnd == text.Length || spaceEnd == start)
        {
            return Math.Max(spaceEnd, start + 1);
        }

        int lastLength = char.IsLowSurrogate(text[spaceEnd - 1]) && spaceEnd - 2 >= start ? 2 : 1;
        return spaceEnd - lastLength > start ? spaceEnd - lastLength : spaceEnd;
    }

    private static int Run(string text, int from, Kind kind)
    {
        int at = from;
        while (at < text.Length)
        {
            if (Rune.DecodeFromUtf16(text.AsSpan(at), out var rune, out int used) != System.Buffers.OperationStatus.Done)
            {
                rune = Rune.ReplacementChar;
                used = 1;
            }

            if (Classify(rune) != kind)
            {
                break;
            }

            at += used;
        }

        return at;
    }

    private static Kind Classify(Rune rune)
    {
        if (Rune.IsWhiteSpace(rune))
        {
            return Kind.Space;
        }

        return Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => Kind.Letter,
            UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => Kind.Number,
            _ => Kind.Other,
        };
    }
}
