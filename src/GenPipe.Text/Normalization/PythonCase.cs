using System.Text;

namespace GenPipe.Text.Normalization;

/// <summary>
/// Python's <c>str.lower()</c>: each code point's lower case, except that <c>İ</c> (U+0130) becomes <c>i</c> and a
/// combining dot above (two code points), and a capital sigma at the end of a word becomes a final sigma. .NET's
/// invariant lower-casing maps single code points the same way otherwise (checked over every code point against
/// Python 3.11: only characters newer than its Unicode 14 differ); the final-sigma context needs the Cased and
/// Case_Ignorable properties, generated from Python into <c>Data/casing.txt</c>.
/// </summary>
internal static class PythonCase
{
    private const int CapitalDottedI = 0x130, CapitalSigma = 0x3A3, FinalSigma = 0x3C2, Sigma = 0x3C3;

    private static readonly Lazy<(CodePointRanges Ignorable, CodePointRanges Cased)> Properties = new(Load);

    /// <summary>The lower case of <paramref name="text"/> as Python gives it.</summary>
    public static string ToLower(string text)
    {
        var runes = new List<Rune>(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            runes.Add(rune);
        }

        var lower = new StringBuilder(text.Length);
        for (int i = 0; i < runes.Count; i++)
        {
            int point = runes[i].Value;
            if (point == CapitalDottedI)
            {
                lower.Append("i\u0307");
            }
            else if (point == CapitalSigma)
            {
                lower.Append(char.ConvertFromUtf32(IsFinal(runes, i) ? FinalSigma : Sigma));
            }
            else
            {
                lower.Append(Rune.ToLowerInvariant(runes[i]).ToString());
            }
        }

        return lower.ToString();
    }

    // Final: a cased letter before it and none after it, skipping case-ignorable characters both ways.
    private static bool IsFinal(List<Rune> runes, int at)
    {
        var (ignorable, cased) = Properties.Value;
        int before = at - 1;
        while (before >= 0 && ignorable.Contains(runes[before].Value))
        {
            before--;
        }

        if (before < 0 || !cased.Contains(runes[before].Value))
        {
            return false;
        }

        int after = at + 1;
        while (after < runes.Count && ignorable.Contains(runes[after].Value))
        {
            after++;
        }

        return after == runes.Count || !cased.Contains(runes[after].Value);
    }

    private static (CodePointRanges, CodePointRanges) Load()
    {
        var ignorable = new List<(int, int)>();
        var cased = new List<(int, int)>();
        foreach (string[] fields in EmbeddedTable.Lines("casing.txt"))
        {
            (fields[0] == "i" ? ignorable : cased).Add((EmbeddedTable.Hex(fields[1]), EmbeddedTable.Hex(fields[2])));
        }

        return (new CodePointRanges(ignorable), new CodePointRanges(cased));
    }
}
