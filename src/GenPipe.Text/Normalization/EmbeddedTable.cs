using System.Globalization;

namespace GenPipe.Text.Normalization;

/// <summary>Reads the generated tables under <c>Data/</c> (tools/fixtures/make_text_tables.py), embedded in this assembly.</summary>
internal static class EmbeddedTable
{
    /// <summary>The fields of each line of <paramref name="name"/>, skipping the <c>#</c> header lines.</summary>
    public static IEnumerable<string[]> Lines(string name, char separator = ' ')
    {
        using var stream = typeof(EmbeddedTable).Assembly.GetManifestResourceStream($"GenPipe.Text.Data.{name}")
            ?? throw new InvalidOperationException($"GenPipe.Text was built without its table Data/{name}.");
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is string line)
        {
            if (line.Length > 0 && line[0] != '#')
            {
                yield return line.Split(separator);
            }
        }
    }

    /// <summary>A number written in hexadecimal.</summary>
    public static int Hex(string field) => int.Parse(field, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);

    /// <summary>The string of the hexadecimal code points in <paramref name="fields"/>.</summary>
    public static string CodePoints(IEnumerable<string> fields) =>
        string.Concat(fields.Select(f => char.ConvertFromUtf32(Hex(f))));
}

/// <summary>Sorted, disjoint ranges of code points, as the generated tables list them.</summary>
internal sealed class CodePointRanges
{
    private readonly int[] _firsts;
    private readonly int[] _lasts;

    public CodePointRanges(IEnumerable<(int First, int Last)> ranges)
    {
        var sorted = ranges.OrderBy(r => r.First).ToArray();
        _firsts = sorted.Select(r => r.First).ToArray();
        _lasts = sorted.Select(r => r.Last).ToArray();
    }

    public bool Contains(int codePoint)
    {
        int at = Array.BinarySearch(_firsts, codePoint);
        if (at < 0)
        {
            at = ~at - 1;
        }

        return at >= 0 && codePoint <= _lasts[at];
    }
}
