using GenPipe.Tensors;

namespace GenPipe.Schedulers;

/// <summary>
/// A run of a k-diffusion scheduler, in the sigma parameterisation x = x_0 + sigma * eps: the model sees
/// x / sqrt(sigma^2 + 1), the initial noise has the largest sigma's scale, and, like diffusers, the first call finds its
/// place in the schedule (the second match when a timestep repeats, so img2img starting mid-schedule does not skip a
/// sigma); later calls follow the step counter.
/// </summary>
internal abstract class KDiffusionSession : SchedulerSession
{
    private readonly float[] _timesteps;
    private int? _stepIndex;

    /// <summary>A run over <paramref name="sigmas"/> (one more than the steps, ending at the last) and <paramref name="timesteps"/>.</summary>
    protected KDiffusionSession(SchedulerOptions options, float[] sigmas, float[] timesteps)
    {
        RunSigmas = sigmas;
        _timesteps = timesteps;
        InitNoiseSigma = SigmaSpace.InitNoiseSigma(options, sigmas);
    }

    /// <inheritdoc />
    public override IReadOnlyList<float> Timesteps => _timesteps;

    /// <inheritdoc />
    public override IReadOnlyList<float>? Sigmas => RunSigmas;

    /// <inheritdoc />
    public override float InitNoiseSigma { get; }

    /// <summary>The run's sigmas, as <see cref="Sigmas"/>.</summary>
    protected float[] RunSigmas { get; }

    /// <summary>scale_model_input: x / sqrt(sigma^2 + 1) at the sigma of the coming model call.</summary>
    public override Tensor ScaleModelInput(Tensor sample, float timestep)
    {
        ArgumentNullException.ThrowIfNull(sample);
        return SigmaSpace.ScaleInput(sample, InputSigma(StepIndex(timestep)));
    }

    /// <summary>The sigma the model sees at step <paramref name="index"/>.</summary>
    protected virtual float InputSigma(int index) => RunSigmas[index];

    /// <summary>The index of the step about to run; throws when the run has none left.</summary>
    protected int CurrentStep(float timestep)
    {
        int index = StepIndex(timestep);
        SigmaSpace.RequireStepLeft(index, _timesteps.Length);
        return index;
    }

    /// <summary>Moves on after step <paramref name="index"/>.</summary>
    protected void Advance(int index) => _stepIndex = index + 1;

    private int StepIndex(float timestep) => _stepIndex ??= SigmaSpace.FirstStepIndex(_timesteps, timestep);
}
