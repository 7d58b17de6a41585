namespace GenPipe.Sampling;

/// <summary>
/// Stops when the generated text contains one of the stop strings and the last token helped form it, as transformers'
/// <c>StopStringCriteria</c> does: a stop string may span several tokens, and the last token may run past its end.
/// Text is compared after detokenizing, so it does not matter how the tokenizer split the stop string.
/// </summary>
public sealed class StopStringCriterion : IStoppingCriterion
{
    private readonly Func<IReadOnlyList<int>, string> _detokenize;

    /// <summary>Creates the criterion; <paramref name="detokenize"/> turns generated token ids into text.</summary>
    public StopStringCriterion(IEnumerable<string> stopStrings, Func<IReadOnlyList<int>, string> detokenize)
    {
        ArgumentNullException.ThrowIfNull(stopStrings);
        ArgumentNullException.ThrowIfNull(detokenize);
        StopStrings = [.. stopStrings];
        if (StopStrings.Count == 0 || StopStrings.Any(string.IsNullOrEmpty))
        {
            throw new ArgumentException("stop_strings needs at least one string, and none may be empty.", nameof(stopStrings));
        }

        _detokenize = detokenize;
    }

    /// <summary>The stop strings.</summary>
    public IReadOnlyList<string> StopStrings { get; }

    /// <inheritdoc />
    public bool IsDone(IReadOnlyList<int> tokens, int promptLength)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        int generated = tokens.Count - promptLength;
        if (generated <= 0)
        {
            return false;
        }

        var newTokens = new int[generated];
        for (int i = 0; i < generated; i++)
        {
            newTokens[i] = tokens[promptLength + i];
        }

        string text = _detokenize(newTokens);
        string before = _detokenize(newTokens[..^1]);
        foreach (string stop in StopStrings)
        {
            // Only occurrences that end inside the last token's text count: earlier ones would have stopped earlier.
            int from = Math.Clamp(before.Length - stop.Length + 1, 0, text.Length);
            if (text.IndexOf(stop, from, StringComparison.Ordinal) >= 0)
            {
                return true;
            }
        }

        return false;
    }
}
