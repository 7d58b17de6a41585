namespace GenPipe.Autoregressive.Generation;

/// <summary>The draws of speculative sampling over probability rows (each summing to about 1).</summary>
internal static class SpeculativeDraws
{
    /// <summary>
    /// Inverts the cumulative distribution of <paramref name="probabilities"/> at <paramref name="uniform"/> times their
    /// total, as <c>TokenSampler</c> does: zero-probability tokens are never chosen, and rounding falls to the last
    /// candidate. The total need not be 1, so a residual row can be drawn without normalizing it first.
    /// </summary>
    public static int Inverse(ReadOnlySpan<float> probabilities, double uniform)
    {
        double total = 0;
        foreach (float p in probabilities)
        {
            total += Math.Max(p, 0f);
        }

        double target = uniform * total;
        double cumulative = 0;
        int last = -1;
        for (int i = 0; i < probabilities.Length; i++)
        {
            if (probabilities[i] <= 0)
            {
                continue;
            }

            last = i;
            cumulative += probabilities[i];
            if (target < cumulative)
            {
                return i;
            }
        }

        return last >= 0 ? last : throw new InvalidOperationException("The distribution has no token with positive probability.");
    }

    /// <summary>The index of the largest value, the first on ties (the greedy choice of a one-hot row).</summary>
    public static int ArgMax(ReadOnlySpan<float> row)
    {
        int best = 0;
        for (int i = 1; i < row.Length; i++)
        {
            if (row[i] > row[best])
            {
                best = i;
            }
        }

        return best;
    }

    /// <summary>
    /// Writes max(0, p - q) into <paramref name="residual"/> and returns its total: the distribution a rejected
    /// position is redrawn from (Leviathan et al. 2023, Algorithm 1), up to normalization.
    /// </summary>
    public static double Residual(ReadOnlySpan<float> target, ReadOnlySpan<float> draft, Span<float> residual)
    {
        double total = 0;
        for (int i = 0; i < target.Length; i++)
        {
            float excess = Math.Max(0f, target[i] - draft[i]);
            residual[i] = excess;
            total += excess;
        }

        return total;
    }
}
