namespace GenPipe.Sampling;

/// <summary>One entry of <c>sequence_bias</c>: <c>{"sequence": [ids], "bias": value}</c>.</summary>
public sealed record SequenceBiasEntry
{
    /// <summary><c>sequence</c>: the token ids; the bias applies to the last one when the others precede it.</summary>
    public IReadOnlyList<int> Sequence { get; init; } = [];

    /// <summary><c>bias</c>: added to the score; negative infinity bans the token.</summary>
    public float Bias { get; init; }
}
