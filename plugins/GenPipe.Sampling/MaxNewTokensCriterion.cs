namespace GenPipe.Sampling;

/// <summary>Stops once <c>max_new_tokens</c> tokens have been generated after the prompt.</summary>
public sealed class MaxNewTokensCriterion : IStoppingCriterion
{
    /// <summary>Creates the criterion; <paramref name="maxNewTokens"/> must be positive.</summary>
    public MaxNewTokensCriterion(int maxNewTokens)
    {
        if (maxNewTokens <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxNewTokens), maxNewTokens, "max_new_tokens must be a positive integer.");
        }

        MaxNewTokens = maxNewTokens;
    }

    /// <summary>The number of tokens generated before stopping.</summary>
    public int MaxNewTokens { get; }

    /// <inheritdoc />
    public bool IsDone(IReadOnlyList<int> tokens, int promptLength)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        return tokens.Count - promptLength >= MaxNewTokens;
    }
}
