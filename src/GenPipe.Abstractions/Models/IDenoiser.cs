using GenPipe.Tensors;

namespace GenPipe.Abstractions.Models;

/// <summary>A diffusion model: (x_t, t, conditioning) -> prediction of the kind <see cref="PredictionType"/>.</summary>
public interface IDenoiser
{
    /// <summary>What <see cref="PredictAsync"/> returns.</summary>
    PredictionType PredictionType { get; }

    /// <summary>The shape of one sample without the batch dimension, at the model's native size (e.g. [2] or [4, 64, 64]).</summary>
    IReadOnlyList<int> SampleShape { get; }

    /// <summary>Predicts for a batch of noisy samples at one timestep.</summary>
    ValueTask<Tensor> PredictAsync(DenoiserInput input, CancellationToken cancellationToken);
}

/// <summary>The input of one denoiser evaluation.</summary>
/// <param name="Sample">The (scaled) noisy sample, batch first.</param>
/// <param name="Timestep">The training timestep, possibly fractional (k-diffusion schedulers interpolate).</param>
/// <param name="Conditioning">Conditioning for the whole batch, or null for an unconditional model.</param>
public sealed record DenoiserInput(Tensor Sample, float Timestep, Conditioning? Conditioning = null);
