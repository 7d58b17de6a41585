using GenPipe.Abstractions.Models;
using GenPipe.Tensors;

namespace GenPipe.Sampling;

/// <summary>
/// Locally typical sampling (Meister et al., 2022), as transformers' <c>TypicalLogitsWarper</c> computes it: tokens are
/// ranked by how far their surprisal lies from the row's entropy, and the closest are kept until their probability mass
/// reaches <c>typical_p</c>; the <c>min_tokens_to_keep</c> closest always survive.
/// </summary>
public sealed class TypicalLogitsWarper : ILogitsProcessor
{
    /// <summary>Creates the warper; <paramref name="mass"/> must lie in (0, 1).</summary>
    public TypicalLogitsWarper(double mass = 0.9, float filterValue = float.NegativeInfinity, int minTokensToKeep = 1)
    {
        if (!(mass > 0 && mass < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(mass), mass, "typical_p must be a number in (0, 1).");
        }

        if (minTokensToKeep < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(minTokensToKeep), minTokensToKeep, "min_tokens_to_keep must be a positive integer.");
        }

        Mass = mass;
        FilterValue = filterValue;
        MinTokensToKeep = minTokensToKeep;
    }

    /// <summary>The probability mass kept.</summary>
    public double Mass { get; }

    /// <summary>The value masked scores take.</summary>
    public float FilterValue { get; }

    /// <summary>How many of the most typical tokens survive whatever the mass.</summary>
    public int MinTokensToKeep { get; }

    /// <inheritdoc />
    public void Process(IReadOnlyList<IReadOnlyList<int>> inputIds, Tensor scores)
    {
        var (batch, vocab) = ScoreRows.Check(inputIds, scores);
        var logProbabilities = new float[vocab];
        var shifted = new float[vocab];
        var sortedLogits = new float[vocab];
        var sortedProbabilities = new float[vocab];
        float mass = (float)Mass;
        for (int r = 0; r < batch; r++)
        {
            Span<float> row = ScoreRows.Row(scores, r, vocab);
            ScoreRows.LogSoftmax(row, logProbabilities);
            float entropy = 0f;
            for (int i = 0; i < vocab; i++)
            {
                // Masked tokens have log p = -inf and p = 0; their term is NaN and, as with nansum, left out.
                float term = logProbabilities[i] * MathF.Exp(logProbabilities[i]);
                if (!float.IsNaN(term))
                {
                    entropy -= term;
                }
            }

            // The entropy is complete only after the first pass, so the distances take a second.
            for (int i = 0; i < vocab; i++)
            {
                shifted[i] = MathF.Abs(-logProbabilities[i] - entropy);
            }

            int[] order = ScoreRows.ArgsortAscending(shifted);
            for (int i = 0; i < vocab; i++)
            {
                sortedLogits[i] = row[order[i]];
            }

            ScoreRows.Softmax(sortedLogits, sortedProbabilities);
            int lastIndex = 0;
            // PyTorch's CPU cumsum accumulates float32 in double and rounds each partial sum to float32.
            double cumulative = 0;
            for (int i = 0; i < vocab; i++)
            {
                cumulative += sortedProbabilities[i];
                if ((float)cumulative < mass)
                {
                    lastIndex++;
                }
            }

            float limit = shifted[order[Math.Min(lastIndex, vocab - 1)]];
            for (int i = Math.Min(MinTokensToKeep, vocab); i < vocab; i++)
            {
                if (shifted[order[i]] > limit)
                {
                    row[order[i]] = FilterValue;
                }
            }
        }
    }
}
