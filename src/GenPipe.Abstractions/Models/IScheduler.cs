using GenPipe.Tensors;

namespace GenPipe.Abstractions.Models;

/// <summary>
/// A diffusion scheduler with the diffusers protocol. The scheduler itself is immutable configuration (it is shared
/// between runs); <see cref="SetTimesteps"/> starts a run and returns the state that <c>step</c> advances.
/// </summary>
public interface IScheduler
{
    /// <summary>The component id, e.g. <c>scheduler/ddim</c>.</summary>
    string Id { get; }

    /// <summary>What the scheduler expects the denoiser to predict (<c>prediction_type</c>).</summary>
    PredictionType PredictionType { get; }

    /// <summary>The training schedule's cumulative alpha products, one per training timestep.</summary>
    ReadOnlySpan<float> AlphasCumprod { get; }

    /// <summary>diffusers' <c>set_timesteps(num_inference_steps)</c>: a fresh run over that many steps.</summary>
    ISchedulerSession SetTimesteps(int numInferenceSteps);

    /// <summary>diffusers' <c>add_noise</c>: the forward process at training timestep <paramref name="timestep"/>.</summary>
    Tensor AddNoise(Tensor original, Tensor noise, float timestep);
}

/// <summary>One run of a scheduler: the timesteps and the per-step state of multistep methods.</summary>
public interface ISchedulerSession
{
    /// <summary>The timesteps to evaluate the model at, in order.</summary>
    IReadOnlyList<float> Timesteps { get; }

    /// <summary>The noise levels, one more than the steps for k-diffusion schedulers; null when it has none.</summary>
    IReadOnlyList<float>? Sigmas { get; }

    /// <summary>The standard deviation of the initial noise: x_T = randn * init_noise_sigma.</summary>
    float InitNoiseSigma { get; }

    /// <summary>The solver order (model evaluations per step for Heun-style methods).</summary>
    int Order { get; }

    /// <summary>diffusers' <c>scale_model_input</c>: the sample the denoiser should see at this timestep.</summary>
    Tensor ScaleModelInput(Tensor sample, float timestep);

    /// <summary>
    /// diffusers' <c>step</c>: advances the sample by one timestep. Stochastic schedulers draw their noise from
    /// <paramref name="random"/> in the order diffusers draws it.
    /// </summary>
    SchedulerStepOutput Step(Tensor modelOutput, float timestep, Tensor sample, IRandomSource? random = null);
}

/// <summary>The result of one scheduler step.</summary>
/// <param name="PrevSample">The sample at the next (less noisy) timestep.</param>
/// <param name="PredOriginalSample">The predicted clean sample, when the scheduler computes one.</param>
public sealed record SchedulerStepOutput(Tensor PrevSample, Tensor? PredOriginalSample = null);
