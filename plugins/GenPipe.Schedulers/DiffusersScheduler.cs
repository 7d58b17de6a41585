using GenPipe.Abstractions.Models;
using GenPipe.Tensors;

namespace GenPipe.Schedulers;

/// <summary>
/// What every variance-preserving diffusers scheduler shares: validated options, the prediction type, the training
/// schedule's alphas_cumprod and diffusers' <c>add_noise</c> on it. A scheduler adds its <c>set_timesteps</c> and step.
/// </summary>
/// <typeparam name="TOptions">The scheduler's configuration.</typeparam>
public abstract class DiffusersScheduler<TOptions> : IScheduler
    where TOptions : SchedulerOptions
{
    /// <summary>Validates the options and computes the training schedule.</summary>
    /// <param name="options">The configuration.</param>
    /// <param name="id">The component id.</param>
    /// <param name="finiteTerminalSigma">
    /// Whether to keep the last training sigma finite under <c>rescale_betas_zero_snr</c>, as the diffusers
    /// schedulers that work in sigmas do.
    /// </param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    private protected DiffusersScheduler(TOptions options, string id, bool finiteTerminalSigma)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ThrowIfInvalid();
        Options = options;
        Id = id;
        PredictionType = options.ParsedPredictionType();
        TrainingAlphasCumprod = NoiseSchedule.AlphasCumprod(options);
        if (finiteTerminalSigma && options.RescaleBetasZeroSnr)
        {
            // Zero terminal SNR makes the last sigma infinite; diffusers keeps it finite with 2^-24.
            TrainingAlphasCumprod[^1] = 1f / (1 << 24);
        }
    }

    /// <summary>The configuration.</summary>
    public TOptions Options { get; }

    /// <inheritdoc />
    public string Id { get; }

    /// <inheritdoc />
    public PredictionType PredictionType { get; }

    /// <inheritdoc />
    public ReadOnlySpan<float> AlphasCumprod => TrainingAlphasCumprod;

    /// <summary>The cumulative alpha products of the training schedule, one per training timestep (never written after construction).</summary>
    private protected float[] TrainingAlphasCumprod { get; }

    /// <inheritdoc />
    public abstract ISchedulerSession SetTimesteps(int numInferenceSteps);

    /// <summary>The variance-preserving forward process x_t = sqrt(a_t) x_0 + sqrt(1 - a_t) noise.</summary>
    public virtual Tensor AddNoise(Tensor original, Tensor noise, float timestep) =>
        VariancePreservingNoise.Add(TrainingAlphasCumprod, original, noise, timestep);
}
