using GenPipe.Abstractions.Models;
using GenPipe.Tensors;

namespace GenPipe.Schedulers;

/// <summary>
/// One run of a scheduler, with diffusers' defaults for what most runs share: the model sees the sample as is, the
/// initial noise has unit variance, one model call per step, no sigmas. Sigma-space and two-call (Heun-style) runs
/// override what differs; every run supplies its timesteps and step.
/// </summary>
internal abstract class SchedulerSession : ISchedulerSession
{
    /// <inheritdoc />
    public abstract IReadOnlyList<float> Timesteps { get; }

    /// <inheritdoc />
    public virtual IReadOnlyList<float>? Sigmas => null;

    /// <inheritdoc />
    public virtual float InitNoiseSigma => 1f;

    /// <inheritdoc />
    public virtual int Order => 1;

    /// <summary>The sample itself: variance-preserving and flow schedulers feed x_t to the model unscaled.</summary>
    public virtual Tensor ScaleModelInput(Tensor sample, float timestep)
    {
        ArgumentNullException.ThrowIfNull(sample);
        return sample;
    }

    /// <inheritdoc />
    public abstract SchedulerStepOutput Step(Tensor modelOutput, float timestep, Tensor sample, IRandomSource? random = null);
}
