namespace GenPipe.Core.Text;

/// <summary>Finds the closest known name to a misspelt one, for "did you mean" hints.</summary>
public static class NameSuggester
{
    /// <summary>
    /// The candidate closest to <paramref name="input"/> by edit distance (case-insensitive), or null when none is
    /// close enough to be a plausible typo (distance at most a third of the longer name, and at most 4).
    /// </summary>
    public static string? Suggest(string input, IEnumerable<string> candidates)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(candidates);
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string candidate in candidates)
        {
            int d = Distance(input.ToLowerInvariant(), candidate.ToLowerInvariant());
            if (d < bestDistance)
            {
                best = candidate;
                bestDistance = d;
            }
        }

        if (best is null)
        {
            return null;
        }

        int limit = Math.Min(4, Math.Max(1, Math.Max(input.Length, best.Length) / 3));
        bool sameTail = best.Contains('/') && input.Length > 0 && best.EndsWith("/" + input, StringComparison.OrdinalIgnoreCase);
        return bestDistance <= limit || sameTail ? best : null;
    }

    /// <summary>The Levenshtein distance between two strings.</summary>
    public static int Distance(string a, string b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
