namespace GenPipe.Diffusion;

/// <summary>
/// A <see cref="GaussianMixture"/> seen through the forward process at one noise level: everything that depends on abar
/// alone, computed once so that denoising a batch costs one pass over the components per sample.
/// </summary>
internal sealed class MixtureNoiseLevel
{
    private readonly IReadOnlyList<double[]> _means;
    private readonly int _dimension;
    private readonly double[] _shiftedMeans;
    private readonly double[] _logConstants;
    private readonly double[] _halfInverseVariances;
    private readonly double[] _gains;

    public MixtureNoiseLevel(IReadOnlyList<double[]> means, IReadOnlyList<double> stds, IReadOnlyList<double> weights, double alphaBar)
    {
        _means = means;
        _dimension = means[0].Length;
        int k = means.Count;
        double sqrtAlphaBar = Math.Sqrt(alphaBar);
        _shiftedMeans = new double[k * _dimension];
        _logConstants = new double[k];
        _halfInverseVariances = new double[k];
        _gains = new double[k];
        for (int c = 0; c < k; c++)
        {
            double s2 = stds[c] * stds[c];
            double variance = (alphaBar * s2) + 1 - alphaBar;
            _logConstants[c] = Math.Log(weights[c]) - (0.5 * _dimension * Math.Log(2 * Math.PI * variance));
            _halfInverseVariances[c] = 0.5 / variance;
            _gains[c] = sqrtAlphaBar * s2 / variance;
            for (int d = 0; d < _dimension; d++)
            {
                _shiftedMeans[(c * _dimension) + d] = sqrtAlphaBar * means[c][d];
            }
        }
    }

    public int ComponentCount => _gains.Length;

    /// <summary>E[x0 | x_t = <paramref name="noisy"/>] into <paramref name="result"/>; <paramref name="scratch"/> holds K values.</summary>
    public void PosteriorMean(ReadOnlySpan<double> noisy, Span<double> result, Span<double> scratch)
    {
        LogTerms(noisy, scratch);
        double logNormaliser = LogSumExp(scratch);
        result.Clear();
        for (int c = 0; c < _gains.Length; c++)
        {
            double responsibility = Math.Exp(scratch[c] - logNormaliser);
            if (responsibility == 0)
            {
                continue;
            }

            var mean = _means[c];
            int offset = c * _dimension;
            for (int d = 0; d < _dimension; d++)
            {
                result[d] += responsibility * (mean[d] + (_gains[c] * (noisy[d] - _shiftedMeans[offset + d])));
            }
        }
    }

    /// <summary>log p_t(<paramref name="noisy"/>); <paramref name="scratch"/> holds K values.</summary>
    public double LogDensity(ReadOnlySpan<double> noisy, Span<double> scratch)
    {
        LogTerms(noisy, scratch);
        return LogSumExp(scratch);
    }

    // log w_k + log N(x_t; sqrt(abar) mu_k, v_k I) per component.
    private void LogTerms(ReadOnlySpan<double> noisy, Span<double> logTerms)
    {
        for (int c = 0; c < _gains.Length; c++)
        {
            int offset = c * _dimension;
            double squaredDistance = 0;
            for (int d = 0; d < _dimension; d++)
            {
                double diff = noisy[d] - _shiftedMeans[offset + d];
                squaredDistance += diff * diff;
            }

            logTerms[c] = _logConstants[c] - (squaredDistance * _halfInverseVariances[c]);
        }
    }

    // Responsibilities through log-sum-exp, so far-away points do not underflow to 0/0.
    private static double LogSumExp(ReadOnlySpan<double> values)
    {
        double max = double.NegativeInfinity;
        foreach (double v in values)
        {
            max = Math.Max(max, v);
        }

        if (double.IsNegativeInfinity(max))
        {
            return max;
        }

        double sum = 0;
        foreach (double v in values)
        {
            sum += Math.Exp(v - max);
        }

        return max + Math.Log(sum);
    }
}
