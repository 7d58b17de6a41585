namespace GenPipe.Sampling;

/// <summary>Stops when the last generated token is one of the end-of-sequence ids (<c>eos_token_id</c>).</summary>
public sealed class EosTokenCriterion : IStoppingCriterion
{
    private readonly HashSet<int> _eosTokenIds;

    /// <summary>Creates the criterion from one or more end-of-sequence ids.</summary>
    public EosTokenCriterion(IEnumerable<int> eosTokenIds)
    {
        ArgumentNullException.ThrowIfNull(eosTokenIds);
        _eosTokenIds = [.. eosTokenIds];
        if (_eosTokenIds.Count == 0)
        {
            throw new ArgumentException("eos_token_id needs at least one token id.", nameof(eosTokenIds));
        }
    }

    /// <summary>The end-of-sequence ids.</summary>
    public IReadOnlyCollection<int> EosTokenIds => _eosTokenIds;

    /// <inheritdoc />
    public bool IsDone(IReadOnlyList<int> tokens, int promptLength)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        // An end-of-sequence id inside the prompt does not end generation before it starts.
        return tokens.Count > promptLength && _eosTokenIds.Contains(tokens[^1]);
    }
}
