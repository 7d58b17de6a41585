using GenPipe.Tensors;

namespace GenPipe.Abstractions.Models;

/// <summary>
/// Called by the <c>diffuse</c> operator after every denoising step: for previews, logging, or changing how the rest
/// of the run is guided (a classifier-free guidance cut-off sets <see cref="DiffusionStep.Guidance"/> to 1). A plugin
/// registers it as a service (<c>plugin.Services.AddSingleton&lt;IDiffusionStepHook, MyHook&gt;()</c>); every one
/// registered runs, in registration order, for every <c>diffuse</c> step of every run, possibly concurrently.
/// </summary>
public interface IDiffusionStepHook
{
    /// <summary>Sees step <see cref="DiffusionStep.Index"/> just done. Do not keep the tensors: the next step replaces them.</summary>
    ValueTask OnStepAsync(DiffusionStep step, CancellationToken cancellationToken);
}

/// <summary>One denoising step, as a <see cref="IDiffusionStepHook"/> sees it.</summary>
public sealed class DiffusionStep
{
    /// <summary>The pipeline step's id.</summary>
    public required string StepId { get; init; }

    /// <summary>The step just done, from 0.</summary>
    public required int Index { get; init; }

    /// <summary>How many steps the run makes.</summary>
    public required int Count { get; init; }

    /// <summary>The timestep just done.</summary>
    public required float Timestep { get; init; }

    /// <summary>The latents after this step.</summary>
    public required Tensor Latents { get; init; }

    /// <summary>The scheduler's estimate of the final sample at this step, when it gives one (a cheap preview).</summary>
    public Tensor? PredictedOriginal { get; init; }

    /// <summary>The guidance scale the next steps use; a hook may change it (1 turns guidance off).</summary>
    public required double Guidance { get; set; }
}
