namespace GenPipe.Core.Text;

/// <summary>Finds the closest known name to a misspelt one, for "did you mean" hints.</summary>
public static class NameSuggester
{
    /// <summary>
    /// The candidate closest to <paramref name="input"/> by edit distance (case-insensitive), or null when none is
    /// close enough to be a plausible typo (distance at most a third of the longer name, and at most 4). An id such as
    /// <c>scheduler/ddim</c> is also compared by its last segment, so "ddmi" suggests it.
    /// </summary>
    public static string? Suggest(string input, IEnumerable<string> candidates)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(candidates);
        string needle = input.ToLowerInvariant();
        string? best = null;
        int bestDistance = int.MaxValue;
        int bestLength = 0;
        foreach (string candidate in candidates)
        {
            string lower = candidate.ToLowerInvariant();
            string tail = lower[(lower.LastIndexOf('/') + 1)..];
            int full = Distance(needle, lower);
            int last = Distance(needle, tail);
            int d = Math.Min(full, last);
            if (d < bestDistance)
            {
                best = candidate;
                bestDistance = d;
                bestLength = last < full ? tail.Length : lower.Length;
            }
        }

        int limit = Math.Min(4, Math.Max(1, Math.Max(input.Length, bestLength) / 3));
        return best is not null && bestDistance <= limit ? best : null;
    }

    /// <summary>
    /// The edit distance between two strings, counting an insertion, a deletion, a substitution or a swap of two
    /// adjacent characters as one edit (optimal string alignment): "ddmi" is one edit from "ddim".
    /// </summary>
    public static int Distance(string a, string b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (int j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
