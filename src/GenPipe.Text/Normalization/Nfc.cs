using System.Text;

namespace GenPipe.Text.Normalization;

/// <summary>
/// Unicode Normalization Form C, the normalization ftfy applies: canonical decomposition, canonical ordering of
/// combining marks, then canonical composition. Written here because <see cref="string.Normalize()"/> does nothing
/// when globalization is invariant, as GenPipe's apps run. The data (combining classes, decompositions, composition
/// exclusions) is Python's <c>unicodedata</c>, generated into <c>Data/nfc.txt</c>; Hangul syllables are algorithmic.
/// </summary>
internal static class Nfc
{
    private const int SBase = 0xAC00, LBase = 0x1100, VBase = 0x1161, TBase = 0x11A7;
    private const int LCount = 19, VCount = 21, TCount = 28, NCount = VCount * TCount, SCount = LCount * NCount;

    // Below U+0300 every character is a starter that is its own NFC and composes with nothing below U+0300.
    private const char FirstThatMayChange = '\u0300';

    private static readonly Lazy<Tables> Data = new(Tables.Load);

    /// <summary>The NFC form of <paramref name="text"/>; the same string when nothing changes.</summary>
    public static string Normalize(string text)
    {
        if (!text.AsSpan().ContainsAnyInRange(FirstThatMayChange, char.MaxValue))
        {
            return text;
        }

        var tables = Data.Value;
        var points = new List<int>(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            Decompose(tables, rune.Value, points);
        }

        SortMarks(tables, points);
        Compose(tables, points);
        var result = new StringBuilder(text.Length);
        foreach (int point in points)
        {
            result.Append(new Rune(point).ToString());
        }

        string normalized = result.ToString();
        return normalized == text ? text : normalized;
    }

    private static void Decompose(Tables tables, int point, List<int> into)
    {
        if (point is >= SBase and < SBase + SCount)
        {
            int index = point - SBase;
            into.Add(LBase + (index / NCount));
            into.Add(VBase + (index % NCount / TCount));
            if (index % TCount != 0)
            {
                into.Add(TBase + (index % TCount));
            }

            return;
        }

        if (tables.Decompositions.TryGetValue(point, out int[]? parts))
        {
            foreach (int part in parts)
            {
                Decompose(tables, part, into);
            }

            return;
        }

        into.Add(point);
    }

    // Canonical ordering: a stable sort by combining class of each run of non-starters.
    private static void SortMarks(Tables tables, List<int> points)
    {
        for (int i = 1; i < points.Count; i++)
        {
            int cls = tables.Class(points[i]);
            if (cls == 0)
            {
                continue;
            }

            for (int j = i; j > 0 && tables.Class(points[j - 1]) > cls; j--)
            {
                (points[j - 1], points[j]) = (points[j], points[j - 1]);
            }
        }
    }

    // Canonical composition: each character joins the last starter unless a character between them has a combining
    // class at least its own (or is a starter).
    private static void Compose(Tables tables, List<int> points)
    {
        if (points.Count == 0)
        {
            return;
        }

        int starterAt = tables.Class(points[0]) == 0 ? 0 : -1;
        int lastClass = starterAt == 0 ? 0 : 256;
        int write = 1;
        for (int read = 1; read < points.Count; read++)
        {
            int point = points[read];
            int cls = tables.Class(point);
            if (starterAt >= 0 && (lastClass < cls || lastClass == 0) && TryCompose(tables, points[starterAt], point, out int composite))
            {
                points[starterAt] = composite;
                continue;
            }

            if (cls == 0)
            {
                starterAt = write;
            }

            lastClass = cls;
            points[write++] = point;
        }

        points.RemoveRange(write, points.Count - write);
    }

    private static bool TryCompose(Tables tables, int first, int second, out int composite)
    {
        if (first is >= LBase and < LBase + LCount && second is >= VBase and < VBase + VCount)
        {
            composite = SBase + ((((first - LBase) * VCount) + (second - VBase)) * TCount);
            return true;
        }

        if (first is >= SBase and < SBase + SCount && (first - SBase) % TCount == 0 && second is > TBase and < TBase + TCount)
        {
            composite = first + (second - TBase);
            return true;
        }

        return tables.Compositions.TryGetValue(((long)first << 21) | (uint)second, out composite);
    }

    private sealed class Tables
    {
        private readonly Dictionary<int, byte> _classes = [];

        public Dictionary<int, int[]> Decompositions { get; } = [];

        public Dictionary<long, int> Compositions { get; } = [];

        public int Class(int point) => _classes.TryGetValue(point, out byte cls) ? cls : 0;

        public static Tables Load()
        {
            var tables = new Tables();
            foreach (string[] fields in EmbeddedTable.Lines("nfc.txt"))
            {
                if (fields[0] == "c")
                {
                    byte cls = byte.Parse(fields[3], System.Globalization.CultureInfo.InvariantCulture);
                    for (int point = EmbeddedTable.Hex(fields[1]); point <= EmbeddedTable.Hex(fields[2]); point++)
                    {
                        tables._classes[point] = cls;
                    }

                    continue;
                }

                // "d CP PART [PART] [x]": x marks a character that is never recomposed (an exclusion or a singleton).
                bool excluded = fields[^1] == "x";
                int[] parts = fields[2..(excluded ? ^1 : ^0)].Select(EmbeddedTable.Hex).ToArray();
                int composite = EmbeddedTable.Hex(fields[1]);
                tables.Decompositions[composite] = parts;
                if (!excluded && parts.Length == 2)
                {
                    tables.Compositions[((long)parts[0] << 21) | (uint)parts[1]] = composite;
                }
            }

            return tables;
        }
    }
}
