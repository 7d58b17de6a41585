// The exact denoiser of a Gaussian mixture.
//
// Data: x0 ~ sum_k w_k N(mu_k, s_k^2 I) in D dimensions. Forward process (DDPM, variance preserving) at training
// timestep t with abar = alphas_cumprod[t]:  x_t = sqrt(abar) x0 + sqrt(1 - abar) eps,  eps ~ N(0, I).
//
// Given the component k, x0 and x_t are jointly Gaussian, so
//   x_t | k            ~ N(sqrt(abar) mu_k, v_k I),   v_k = abar s_k^2 + 1 - abar
//   E[x0 | x_t, k]     = mu_k + sqrt(abar) s_k^2 / v_k * (x_t - sqrt(abar) mu_k)
// and over the components, with responsibilities r_k = w_k N(x_t; sqrt(abar) mu_k, v_k I) / sum_j (same) (computed in
// log space with log-sum-exp),
//   E[x0 | x_t]        = sum_k r_k E[x0 | x_t, k]
//   eps_hat(x_t, t)    = (x_t - sqrt(abar) E[x0 | x_t]) / sqrt(1 - abar)
// which is the minimiser of the epsilon-prediction training loss: a perfectly trained network would output exactly
// this. (Equivalently eps_hat = -sqrt(1 - abar) grad log p_t(x_t), Tweedie's formula.)
//
// Fractional timesteps (k-diffusion style schedulers evaluate between training timesteps): sigma(t) =
// sqrt((1 - abar_t) / abar_t) is interpolated linearly in t between the neighbouring integer timesteps, as those
// schedulers build their sigma tables, and abar = 1 / (1 + sigma^2).
using GenPipe.Abstractions.Models;
using GenPipe.Tensors;

namespace GenPipe.Diffusion;

/// <summary>
/// <c>denoiser/gaussian-mixture</c>: the closed-form, exact epsilon-prediction denoiser of a Gaussian mixture. It
/// needs no weights, so it is the reference model for testing schedulers and samplers: sampling with it should
/// reproduce the mixture's moments.
/// </summary>
public sealed class GaussianMixtureDenoiser : IDenoiser
{
    /// <summary>The component id.</summary>
    public const string ComponentId = "denoiser/gaussian-mixture";

    /// <summary>Fractional timesteps this far outside [0, N - 1] are clamped (float rounding), farther is an error.</summary>
    private const double TimestepSlack = 1e-3;

    private readonly float[] _alphasCumprod;
    private readonly int[] _sampleShape;

    /// <summary>The denoiser the options describe.</summary>
    /// <exception cref="ArgumentException">The options are invalid; the message lists every problem with its key.</exception>
    public GaussianMixtureDenoiser(GaussianMixtureOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate().ToList();
        if (problems.Count > 0)
        {
            throw new ArgumentException(
                "Invalid options for " + ComponentId + ": " + string.Join(" ", problems.Select(p => $"{p.Key}: {p.Message}")),
                nameof(options));
        }

        Mixture = GaussianMixture.FromOptions(options);
        _alphasCumprod = TrainingNoiseSchedule.AlphasCumprod(options.NumTrainTimesteps, options.BetaStart, options.BetaEnd, options.BetaSchedule);
        _sampleShape = [Mixture.Dimension];
    }

    /// <summary>The data distribution this denoiser is exact for.</summary>
    public GaussianMixture Mixture { get; }

    /// <summary>The training schedule's cumulative alpha products (float32, as diffusers computes them).</summary>
    public IReadOnlyList<float> AlphasCumprod => _alphasCumprod;

    /// <inheritdoc />
    public PredictionType PredictionType => PredictionType.Epsilon;

    /// <inheritdoc />
    public IReadOnlyList<int> SampleShape => _sampleShape;

    /// <summary>
    /// abar at a possibly fractional training timestep: exact at integers; in between, sigma is interpolated linearly.
    /// </summary>
    /// <remarks>
    /// Timesteps down to -1 clamp to 0, as numpy's interp clamps: diffusers' trailing spacing yields a final
    /// timestep -1 for some step counts (61, 103, ...), and the schedulers that keep it expect the first training level.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">The timestep is not finite or lies outside [-1, N - 1].</exception>
    public double AlphaBarAt(double timestep)
    {
        int last = _alphasCumprod.Length - 1;
        if (!double.IsFinite(timestep) || timestep < -1 - TimestepSlack || timestep > last + TimestepSlack)
        {
            throw new ArgumentOutOfRangeException(
                nameof(timestep), timestep, $"{ComponentId} was trained on timesteps 0 to {last} (and accepts -1, diffusers' extra trailing step); check the scheduler's num_train_timesteps.");
        }

        double t = Math.Clamp(timestep, 0, last);
        int lower = (int)Math.Floor(t);
        double fraction = t - lower;
        if (fraction == 0)
        {
            return _alphasCumprod[lower];
        }

        double sigma = ((1 - fraction) * Sigma(lower)) + (fraction * Sigma(lower + 1));
        return 1 / (1 + (sigma * sigma));
    }

    /// <inheritdoc />
    public ValueTask<Tensor> PredictAsync(DenoiserInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        cancellationToken.ThrowIfCancellationRequested();
        var sample = input.Sample;
        int dimension = Mixture.Dimension;
        if (sample.Rank != 2 || sample.Dim(1) != dimension)
        {
            throw new ArgumentException(
                $"{ComponentId} expects samples of shape [batch, {dimension}] but got {Tensor.FormatShape(sample.Shape)}.", nameof(input));
        }

        double alphaBar = AlphaBarAt(input.Timestep);
        double sqrtAlphaBar = Math.Sqrt(alphaBar);
        double sqrtOneMinusAlphaBar = Math.Sqrt(1 - alphaBar);
        var output = Tensor.Zeros(sample.GetShape());
        var level = Mixture.AtNoiseLevel(alphaBar);
        var x = new double[dimension];
        var posteriorMean = new double[dimension];
        var scratch = new double[level.ComponentCount];
        var source = sample.Span;
        var target = output.Span;
        for (int n = 0; n < sample.Dim(0); n++)
        {
            int offset = n * dimension;
            for (int d = 0; d < dimension; d++)
            {
                x[d] = source[offset + d];
            }

            level.PosteriorMean(x, posteriorMean, scratch);
            for (int d = 0; d < dimension; d++)
            {
                target[offset + d] = (float)((x[d] - (sqrtAlphaBar * posteriorMean[d])) / sqrtOneMinusAlphaBar);
            }
        }

        return ValueTask.FromResult(output);
    }

    // float32, as diffusers builds its sigma table from the float32 alphas_cumprod tensor before interpolating in double.
    private double Sigma(int timestep)
    {
        float alphaBar = _alphasCumprod[timestep];
        return MathF.Sqrt((1f - alphaBar) / alphaBar);
    }
}
