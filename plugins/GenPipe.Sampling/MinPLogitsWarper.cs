using GenPipe.Abstractions.Models;
using GenPipe.Tensors;

namespace GenPipe.Sampling;

/// <summary>
/// Min-p sampling (Nguyen et al., 2024), as transformers' <c>MinPLogitsWarper</c> computes it: a token survives when its
/// probability is at least <c>min_p</c> times the row's largest probability; the <c>min_tokens_to_keep</c> highest
/// scores always survive (ties in index order).
/// </summary>
public sealed class MinPLogitsWarper : ILogitsProcessor
{
    /// <summary>Creates the warper; <paramref name="minP"/> must lie in [0, 1].</summary>
    public MinPLogitsWarper(double minP, float filterValue = float.NegativeInfinity, int minTokensToKeep = 1)
    {
        if (!(minP >= 0 && minP <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(minP), minP, "min_p must be a number in [0, 1].");
        }

        if (minTokensToKeep < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(minTokensToKeep), minTokensToKeep, "min_tokens_to_keep must be a positive integer.");
        }

        MinP = minP;
        FilterValue = filterValue;
        MinTokensToKeep = minTokensToKeep;
    }

    /// <summary>The fraction of the top probability a token needs.</summary>
    public double MinP { get; }

    /// <summary>The value masked scores take.</summary>
    public float FilterValue { get; }

    /// <summary>How many of the highest tokens survive whatever their probability.</summary>
    public int MinTokensToKeep { get; }

    /// <inheritdoc />
    public void Process(IReadOnlyList<IReadOnlyList<int>> inputIds, Tensor scores)
    {
        var (batch, vocab) = ScoreRows.Check(inputIds, scores);
        var probabilities = new float[vocab];
        var remove = new bool[vocab];
        for (int r = 0; r < batch; r++)
        {
            Span<float> row = ScoreRows.Row(scores, r, vocab);
            ScoreRows.Softmax(row, probabilities);
            float top = float.NegativeInfinity;
            foreach (float p in probabilities)
            {
                top = Math.Max(top, p);
            }

            float threshold = (float)MinP * top;
            for (int i = 0; i < vocab; i++)
            {
                remove[i] = probabilities[i] < threshold;
            }

            int[] order = ScoreRows.ArgsortDescending(row);
            for (int i = 0; i < Math.Min(MinTokensToKeep, vocab); i++)
            {
                remove[order[i]] = false;
            }

            for (int i = 0; i < vocab; i++)
            {
                if (remove[i])
                {
                    row[i] = FilterValue;
                }
            }
        }
    }
}
