using System.Globalization;
using System.Text;

namespace GenPipe.Text;

/// <summary>
/// CLIP's pre-tokenization pattern
/// <c>&lt;\|startoftext\|&gt;|&lt;\|endoftext\|&gt;|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+</c>
/// (case-insensitive, matches found left to right, whitespace between them dropped) as a scanner over code points.
/// </summary>
/// <remarks>
/// A .NET <see cref="System.Text.RegularExpressions.Regex"/> with this pattern (what Microsoft.ML.Tokenizers'
/// <c>RegexPreTokenizer</c> runs) differs from the reference, which matches with Python's <c>regex</c> package, in two
/// ways: it classifies UTF-16 code units, so a letter or digit outside the Basic Multilingual Plane (a surrogate pair)
/// counts as neither (<c>a𝐀b</c> is one letter run to the reference and three pieces to .NET; <c>𝟏𝟐</c> is two
/// digits to the reference and one piece to .NET); and its case-insensitive <c>'s</c> does not match <c>'ſ</c> (long s,
/// whose case folding is <c>s</c>), which the reference's does. The reference's case-insensitive classes also have a
/// quirk kept here: U+0345 (combining ypogegrammeni, whose case variants are the letter iota) is matched by neither
/// <c>[\p{L}]</c> nor <c>[^\s\p{L}\p{N}]</c>, so it is dropped like whitespace (checked over every code point: the
/// only one).
/// </remarks>
internal static class ClipPreTokenizer
{
    // The literal alternatives, in the pattern's order.
    private static readonly string[] Literals = ["<|startoftext|>", "<|endoftext|>", "'s", "'t", "'re", "'ve", "'m", "'ll", "'d"];

    private enum Kind
    {
        Letter,
        Number,
        Other,

        // Whitespace, and U+0345: nothing in the pattern matches them.
        Unmatched,
    }

    private const int Ypogegrammeni = 0x345;

    /// <summary>The (offset, length) of each piece of <paramref name="text"/>, in order.</summary>
    public static IEnumerable<(int Offset, int Length)> Split(string text)
    {
        int at = 0;
        while (at < text.Length)
        {
            int end = MatchAt(text, at);
            if (end > at)
            {
                yield return (at, end - at);
                at = end;
            }
            else
            {
                at += Width(text, at);
            }
        }
    }

    // The end of the pattern's match at start, or start when nothing matches there.
    private static int MatchAt(string text, int start)
    {
        foreach (string literal in Literals)
        {
            if (MatchesIgnoringCase(text, start, literal))
            {
                return start + literal.Length;
            }
        }

        var kind = Classify(text, start);
        return kind switch
        {
            Kind.Letter or Kind.Other => Run(text, start, kind),
            Kind.Number => start + Width(text, start),
            _ => start,
        };
    }

    // Case-insensitive as the regex package compares: besides upper case, the long s (U+017F) folds to s. The
    // literals are ASCII, so each of their characters matches one UTF-16 unit of the text.
    private static bool MatchesIgnoringCase(string text, int start, string literal)
    {
        if (start + literal.Length > text.Length)
        {
            return false;
        }

        for (int i = 0; i < literal.Length; i++)
        {
            char c = text[start + i];
            bool same = char.ToLowerInvariant(c) == literal[i] || (c == '\u017F' && literal[i] == 's');
            if (!same)
            {
                return false;
            }
        }

        return true;
    }

    private static int Run(string text, int from, Kind kind)
    {
        int at = from;
        while (at < text.Length && Classify(text, at) == kind)
        {
            at += Width(text, at);
        }

        return at;
    }

    private static int Width(string text, int at) => char.IsSurrogatePair(text, at) ? 2 : 1;

    private static Kind Classify(string text, int at)
    {
        // A lone surrogate is no letter, number or space: it is "other", as the reference would see it.
        var rune = Rune.DecodeFromUtf16(text.AsSpan(at), out var decoded, out _) == System.Buffers.OperationStatus.Done ? decoded : Rune.ReplacementChar;
        if (Rune.IsWhiteSpace(rune) || rune.Value == Ypogegrammeni)
        {
            return Kind.Unmatched;
        }

        return Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => Kind.Letter,
            UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => Kind.Number,
            _ => Kind.Other,
        };
    }

    /// <summary>The pattern as a Microsoft.ML.Tokenizers pre-tokenizer, for its BPE.</summary>
    internal sealed class ForMl : Microsoft.ML.Tokenizers.PreTokenizer
    {
        public static ForMl Instance { get; } = new();

        public override IEnumerable<(int Offset, int Length)> PreTokenize(string text) => Split(text ?? "");

        public override IEnumerable<(int Offset, int Length)> PreTokenize(ReadOnlySpan<char> text) => Split(text.ToString());
    }
}
