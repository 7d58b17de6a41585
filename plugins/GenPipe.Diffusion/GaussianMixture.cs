using GenPipe.Tensors;

namespace GenPipe.Diffusion;

/// <summary>
/// An isotropic Gaussian mixture p(x0) = sum_k w_k N(mu_k, s_k^2 I) in D dimensions, with its exact moments, exact
/// sampling, and the exact posterior mean E[x0 | x_t] under the variance-preserving forward process
/// x_t = sqrt(abar) x0 + sqrt(1 - abar) eps. The math is written out at the top of <see cref="GaussianMixtureDenoiser"/>.
/// </summary>
public sealed class GaussianMixture
{
    private readonly double[][] _means;
    private readonly double[] _stds;
    private readonly double[] _weights;

    /// <summary>A mixture of <paramref name="means"/>.Count components.</summary>
    /// <param name="means">K means of one dimension D.</param>
    /// <param name="stds">K standard deviations, or one for all components.</param>
    /// <param name="weights">K non-negative weights (normalised here), or null for equal weights.</param>
    /// <exception cref="ArgumentException">The shapes disagree, a std is not positive, or a weight is negative.</exception>
    public GaussianMixture(IReadOnlyList<double[]> means, IReadOnlyList<double> stds, IReadOnlyList<double>? weights = null)
    {
        ArgumentNullException.ThrowIfNull(means);
        ArgumentNullException.ThrowIfNull(stds);
        var options = new GaussianMixtureOptions
        {
            Means = [.. means],
            Stds = [.. stds],
            Weights = weights is null ? null : [.. weights],
        };
        var problems = options.Validate().Where(p => p.Key.StartsWith("means", StringComparison.Ordinal)
            || p.Key.StartsWith("stds", StringComparison.Ordinal) || p.Key.StartsWith("weights", StringComparison.Ordinal)).ToList();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid Gaussian mixture: " + string.Join(" ", problems.Select(p => $"{p.Key}: {p.Message}")));
        }

        int k = means.Count;
        _means = means.Select(m => (double[])m.Clone()).ToArray();
        _stds = stds.Count == 1 ? Enumerable.Repeat(stds[0], k).ToArray() : stds.ToArray();
        double total = weights?.Sum() ?? k;
        _weights = weights is null ? Enumerable.Repeat(1.0 / k, k).ToArray() : weights.Select(w => w / total).ToArray();
        Dimension = _means[0].Length;
    }

    /// <summary>The mixture the options describe.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public static GaussianMixture FromOptions(GaussianMixtureOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new GaussianMixture(options.Means, options.Stds, options.Weights);
    }

    /// <summary>The number of components K.</summary>
    public int ComponentCount => _means.Length;

    /// <summary>The dimension D of a sample.</summary>
    public int Dimension { get; }

    /// <summary>The component means (copies).</summary>
    public IReadOnlyList<double[]> Means => _means.Select(m => (double[])m.Clone()).ToArray();

    /// <summary>The per-component standard deviations.</summary>
    public IReadOnlyList<double> Stds => _stds;

    /// <summary>The normalised weights.</summary>
    public IReadOnlyList<double> Weights => _weights;

    /// <summary>The exact mean, sum_k w_k mu_k.</summary>
    public double[] Mean()
    {
        var mean = new double[Dimension];
        for (int k = 0; k < _means.Length; k++)
        {
            for (int d = 0; d < Dimension; d++)
            {
                mean[d] += _weights[k] * _means[k][d];
            }
        }

        return mean;
    }

    /// <summary>The exact covariance, sum_k w_k (s_k^2 I + mu_k mu_k^T) - mean mean^T, as a D x D array.</summary>
    public double[,] Covariance()
    {
        var mean = Mean();
        var cov = new double[Dimension, Dimension];
        for (int k = 0; k < _means.Length; k++)
        {
            for (int i = 0; i < Dimension; i++)
            {
                cov[i, i] += _weights[k] * _stds[k] * _stds[k];
                for (int j = 0; j < Dimension; j++)
                {
                    cov[i, j] += _weights[k] * _means[k][i] * _means[k][j];
                }
            }
        }

        for (int i = 0; i < Dimension; i++)
        {
            for (int j = 0; j < Dimension; j++)
            {
                cov[i, j] -= mean[i] * mean[j];
            }
        }

        return cov;
    }

    /// <summary>
    /// Exact samples, shape [count, D]: normal draws first (one <c>Randn([count, D])</c>), then one uniform per sample to
    /// choose its component.
    /// </summary>
    public Tensor Sample(int count, IRandomSource random)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var samples = random.Randn(count, Dimension);
        var s = samples.Span;
        for (int n = 0; n < count; n++)
        {
            int k = ChooseComponent(random.NextDouble());
            for (int d = 0; d < Dimension; d++)
            {
                int i = (n * Dimension) + d;
                s[i] = (float)(_means[k][d] + (_stds[k] * s[i]));
            }
        }

        return samples;
    }

    /// <summary>
    /// The exact posterior mean E[x0 | x_t] for one noisy sample <paramref name="noisy"/> at noise level
    /// <paramref name="alphaBar"/> (the cumulative alpha product), written to <paramref name="result"/>.
    /// </summary>
    public void PosteriorMean(ReadOnlySpan<double> noisy, double alphaBar, Span<double> result)
    {
        CheckPoint(noisy, alphaBar);
        if (result.Length != Dimension)
        {
            throw new ArgumentException($"The result has {result.Length} values; the mixture has dimension {Dimension}.", nameof(result));
        }

        AtNoiseLevel(alphaBar).PosteriorMean(noisy, result, new double[_means.Length]);
    }

    /// <summary>The log density of the noisy marginal p_t(x_t) at <paramref name="noisy"/>, noise level <paramref name="alphaBar"/>.</summary>
    public double NoisyLogDensity(ReadOnlySpan<double> noisy, double alphaBar)
    {
        CheckPoint(noisy, alphaBar);
        return AtNoiseLevel(alphaBar).LogDensity(noisy, new double[_means.Length]);
    }

    /// <summary>The mixture under the forward process at <paramref name="alphaBar"/>, for evaluating many points.</summary>
    internal MixtureNoiseLevel AtNoiseLevel(double alphaBar) => new(_means, _stds, _weights, alphaBar);

    private int ChooseComponent(double uniform)
    {
        double cumulative = 0;
        for (int k = 0; k < _weights.Length; k++)
        {
            cumulative += _weights[k];
            if (uniform < cumulative)
            {
                return k;
            }
        }

        // Rounding can leave the cumulative sum a hair below 1: the last component with weight takes the remainder.
        return Array.FindLastIndex(_weights, w => w > 0);
    }

    private void CheckPoint(ReadOnlySpan<double> noisy, double alphaBar)
    {
        if (noisy.Length != Dimension)
        {
            throw new ArgumentException($"The point has {noisy.Length} values; the mixture has dimension {Dimension}.", nameof(noisy));
        }

        if (!(alphaBar > 0 && alphaBar <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(alphaBar), alphaBar, "alpha_bar must lie in (0, 1].");
        }
    }
}
