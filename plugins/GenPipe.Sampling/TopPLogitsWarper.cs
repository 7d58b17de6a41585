using GenPipe.Abstractions.Models;
using GenPipe.Tensors;

namespace GenPipe.Sampling;

/// <summary>
/// Nucleus sampling (Holtzman et al., 2020), as transformers' <c>TopPLogitsWarper</c> computes it: sort each row
/// ascending, take the running sum of the softmax, and mask the tokens whose running sum stays at or below
/// <c>1 - top_p</c>; the <c>min_tokens_to_keep</c> highest are always kept. Ties keep index order (a stable sort).
/// </summary>
public sealed class TopPLogitsWarper : ILogitsProcessor
{
    /// <summary>Creates the warper; <paramref name="topP"/> must lie in [0, 1].</summary>
    public TopPLogitsWarper(double topP, float filterValue = float.NegativeInfinity, int minTokensToKeep = 1)
    {
        if (!(topP >= 0 && topP <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(topP), topP, "top_p must be a number in [0, 1].");
        }

        if (minTokensToKeep < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(minTokensToKeep), minTokensToKeep, "min_tokens_to_keep must be a positive integer.");
        }

        TopP = topP;
        FilterValue = filterValue;
        MinTokensToKeep = minTokensToKeep;
    }

    /// <summary>The probability mass kept.</summary>
    public double TopP { get; }

    /// <summary>The value masked scores take.</summary>
    public float FilterValue { get; }

    /// <summary>How many of the highest tokens survive whatever the mass.</summary>
    public int MinTokensToKeep { get; }

    /// <inheritdoc />
    public void Process(IReadOnlyList<IReadOnlyList<int>> inputIds, Tensor scores)
    {
        var (batch, vocab) = ScoreRows.Check(inputIds, scores);
        // The cut-off is compared in float32, as PyTorch compares a float32 tensor with a Python scalar.
        float cutoff = (float)(1 - TopP);
        var sortedLogits = new float[vocab];
        var probabilities = new float[vocab];
        int removable = vocab - MinTokensToKeep;
        for (int r = 0; r < batch; r++)
        {
            Span<float> row = ScoreRows.Row(scores, r, vocab);
            int[] order = ScoreRows.ArgsortAscending(row);
            for (int i = 0; i < vocab; i++)
            {
                sortedLogits[i] = row[order[i]];
            }

            ScoreRows.Softmax(sortedLogits, probabilities);
            // PyTorch's CPU cumsum accumulates float32 in double and rounds each partial sum to float32.
            double cumulative = 0;
            for (int i = 0; i < removable; i++)
            {
                cumulative += probabilities[i];
                if ((float)cumulative <= cutoff)
                {
                    row[order[i]] = FilterValue;
                }
            }
        }
    }
}
