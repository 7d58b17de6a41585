using GenPipe.Tensors;

namespace GenPipe.Schedulers;

/// <summary>
/// A diffusers k-diffusion scheduler (Euler, Heun, KDPM2, LMS, ...): it works in the variance-exploding sigmas of
/// Karras et al. (2022), sigma_t = sqrt((1 - a_t) / a_t), interpolated between training steps.
/// </summary>
/// <typeparam name="TOptions">The scheduler's configuration.</typeparam>
public abstract class KDiffusionScheduler<TOptions> : DiffusersScheduler<TOptions>
    where TOptions : SchedulerOptions
{
    /// <summary>Validates the options and computes the training sigmas.</summary>
    /// <param name="options">The configuration.</param>
    /// <param name="id">The component id.</param>
    /// <param name="finiteTerminalSigma">Whether to keep the last sigma finite under <c>rescale_betas_zero_snr</c>.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    private protected KDiffusionScheduler(TOptions options, string id, bool finiteTerminalSigma)
        : base(options, id, finiteTerminalSigma)
    {
        TrainingSigmas = new TrainingSigmas(TrainingAlphasCumprod);
    }

    /// <summary>The sigma of each training step, and the maps between sigmas and timesteps.</summary>
    private protected TrainingSigmas TrainingSigmas { get; }

    /// <summary>
    /// The forward process in sigma units: x = x_0 + sigma(t) * noise, sigma interpolated linearly between training
    /// steps (diffusers looks sigma up in a run's schedule; a training timestep needs no run).
    /// </summary>
    public override Tensor AddNoise(Tensor original, Tensor noise, float timestep) =>
        SigmaSpace.AddNoise(original, noise, TrainingSigmas, timestep);
}
