using GenPipe.Abstractions.Models;
using GenPipe.Tensors;

namespace GenPipe.Sampling;

/// <summary>
/// Keeps the <c>top_k</c> highest scores of each row (at least <c>min_tokens_to_keep</c>) and masks the rest, as
/// transformers' <c>TopKLogitsWarper</c> does. Scores equal to the k-th largest are all kept.
/// </summary>
public sealed class TopKLogitsWarper : ILogitsProcessor
{
    /// <summary>Creates the warper; <paramref name="topK"/> must be positive.</summary>
    public TopKLogitsWarper(int topK, float filterValue = float.NegativeInfinity, int minTokensToKeep = 1)
    {
        if (topK <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(topK), topK, "top_k must be a positive integer.");
        }

        TopK = Math.Max(topK, minTokensToKeep);
        FilterValue = filterValue;
    }

    /// <summary>The number of tokens kept, already raised to <c>min_tokens_to_keep</c>.</summary>
    public int TopK { get; }

    /// <summary>The value masked scores take.</summary>
    public float FilterValue { get; }

    /// <inheritdoc />
    public void Process(IReadOnlyList<IReadOnlyList<int>> inputIds, Tensor scores)
    {
        var (batch, vocab) = ScoreRows.Check(inputIds, scores);
        int k = Math.Min(TopK, vocab);
        for (int r = 0; r < batch; r++)
        {
            Span<float> row = ScoreRows.Row(scores, r, vocab);
            float[] sorted = row.ToArray();
            Array.Sort(sorted);
            float kth = sorted[vocab - k];
            for (int i = 0; i < vocab; i++)
            {
                if (row[i] < kth)
                {
                    row[i] = FilterValue;
                }
            }
        }
    }
}
