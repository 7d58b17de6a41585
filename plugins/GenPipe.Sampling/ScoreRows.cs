using GenPipe.Tensors;

namespace GenPipe.Sampling;

/// <summary>
/// Row access and the float32 arithmetic the processors share. Everything is computed in float32, in the order PyTorch
/// uses on CPU where that order decides a cut-off (softmax of the sorted row, then a running sum).
/// </summary>
internal static class ScoreRows
{
    /// <summary>Checks that <paramref name="scores"/> is a contiguous [batch, vocab] tensor matching the ids.</summary>
    public static (int Batch, int Vocab) Check(IReadOnlyList<IReadOnlyList<int>>? inputIds, Tensor scores)
    {
        ArgumentNullException.ThrowIfNull(scores);
        if (scores.Rank != 2)
        {
            throw new ArgumentException($"Scores must be [batch, vocab], got {Tensor.FormatShape(scores.Shape)}.", nameof(scores));
        }

        if (!scores.IsContiguous)
        {
            // Processors edit in place; a strided view would need a copy the caller never sees.
            throw new ArgumentException("Scores must be contiguous to be processed in place; call Contiguous() first.", nameof(scores));
        }

        if (inputIds is not null && inputIds.Count != scores.Dim(0))
        {
            throw new ArgumentException($"Got {inputIds.Count} input sequences for {scores.Dim(0)} score rows.", nameof(inputIds));
        }

        return (scores.Dim(0), scores.Dim(1));
    }

    /// <summary>Row <paramref name="row"/> of a contiguous [batch, vocab] tensor.</summary>
    public static Span<float> Row(Tensor scores, int row, int vocab) => scores.Span.Slice(row * vocab, vocab);

    /// <summary>
    /// Softmax in float32 as PyTorch's CPU kernel computes it: subtract the maximum, exponentiate, and multiply by the
    /// reciprocal of the sum. The sum is accumulated in double, which agrees with PyTorch's vectorised float sum more
    /// often than a sequential float sum does.
    /// </summary>
    public static void Softmax(ReadOnlySpan<float> logits, Span<float> probabilities)
    {
        float max = float.NegativeInfinity;
        foreach (float x in logits)
        {
            max = Math.Max(max, x);
        }

        double sum = 0;
        for (int i = 0; i < logits.Length; i++)
        {
            probabilities[i] = MathF.Exp(logits[i] - max);
            sum += probabilities[i];
        }

        float reciprocal = 1f / (float)sum;
        for (int i = 0; i < logits.Length; i++)
        {
            probabilities[i] *= reciprocal;
        }
    }

    /// <summary>Log-softmax in float32, as PyTorch computes it: <c>x - max - log(sum(exp(x - max)))</c>.</summary>
    public static void LogSoftmax(ReadOnlySpan<float> logits, Span<float> logProbabilities)
    {
        float max = float.NegativeInfinity;
        foreach (float x in logits)
        {
            max = Math.Max(max, x);
        }

        float sum = 0f;
        foreach (float x in logits)
        {
            sum += MathF.Exp(x - max);
        }

        float logSum = MathF.Log(sum);
        for (int i = 0; i < logits.Length; i++)
        {
            logProbabilities[i] = logits[i] - max - logSum;
        }
    }

    /// <summary>Indices of <paramref name="values"/> in ascending order; equal values keep index order (a stable sort).</summary>
    public static int[] ArgsortAscending(ReadOnlySpan<float> values) => Argsort(values, descending: false);

    /// <summary>Indices of <paramref name="values"/> in descending order; equal values keep index order (stable).</summary>
    public static int[] ArgsortDescending(ReadOnlySpan<float> values) => Argsort(values, descending: true);

    private static int[] Argsort(ReadOnlySpan<float> values, bool descending)
    {
        // One 64-bit key per entry, value bits above the index, sorts by value then index with no comparer calls:
        // stable, and fast enough for vocabularies of 150k tokens.
        var keys = new ulong[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            uint ordered = OrderedBits(values[i]);
            keys[i] = ((ulong)(descending ? ~ordered : ordered) << 32) | (uint)i;
        }

        Array.Sort(keys);
        int[] order = new int[keys.Length];
        for (int i = 0; i < keys.Length; i++)
        {
            order[i] = (int)(keys[i] & 0xFFFFFFFF);
        }

        return order;
    }

    // Maps a float to an unsigned integer with the same order (-inf lowest, +inf highest); -0 and +0 are equal.
    private static uint OrderedBits(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value == 0 ? 0f : value);
        return (bits & 0x80000000u) != 0 ? ~bits : bits | 0x80000000u;
    }

    /// <summary>Throws when a token id does not index the vocabulary.</summary>
    public static void CheckToken(int token, int vocab, int row)
    {
        if ((uint)token >= (uint)vocab)
        {
            throw new ArgumentOutOfRangeException(nameof(token), token, $"Token id {token} of sequence {row} is outside the vocabulary of {vocab} scores.");
        }
    }
}
