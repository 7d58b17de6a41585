using GenPipe.Tensors;

namespace GenPipe.Autoregressive.Generation;

/// <summary>
/// The residual draw of speculative sampling; plain draws use <see cref="CategoricalDraw"/>, as <c>TokenSampler</c> does.
/// </summary>
internal static class SpeculativeDraws
{
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
