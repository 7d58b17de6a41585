namespace GenPipe.Tensors;

/// <summary>
/// Choosing one index of a row: the greedy choice and a draw by inverting the cumulative distribution. Every family
/// that picks tokens (samplers, speculative decoding, greedy model loops) uses these, so they agree on ties and rounding.
/// </summary>
public static class CategoricalDraw
{
    /// <summary>The index of the largest value, the first one on ties; a NaN wins, as in <c>torch.argmax</c>.</summary>
    public static int ArgMax(ReadOnlySpan<float> row)
    {
        int best = 0;
        for (int i = 1; i < row.Length; i++)
        {
            if (float.IsNaN(row[i]))
            {
                return float.IsNaN(row[best]) ? best : i;
            }

            if (row[i] > row[best])
            {
                best = i;
            }
        }

        return best;
    }

    /// <summary>
    /// Inverts the cumulative distribution of <paramref name="weights"/> at <paramref name="uniform"/> (in [0, 1)) times
    /// their total, summed in double: entries of zero or less are never chosen, and rounding falls to the last positive
    /// entry. The weights need not sum to 1, so an unnormalized row (a residual) is drawn as it is.
    /// </summary>
    /// <exception cref="InvalidOperationException">No weight is positive.</exception>
    public static int InverseCdf(ReadOnlySpan<float> weights, double uniform)
    {
        double total = 0;
        foreach (float w in weights)
        {
            total += Math.Max(w, 0f);
        }

        double target = uniform * total;
        double cumulative = 0;
        int last = -1;
        for (int i = 0; i < weights.Length; i++)
        {
            if (weights[i] <= 0)
            {
                continue;
            }

            last = i;
            cumulative += weights[i];
            if (target < cumulative)
            {
                return i;
            }
        }

        return last >= 0 ? last : throw new InvalidOperationException("The distribution has no entry with positive weight.");
    }
}
