using GenPipe.Abstractions.Models;
using GenPipe.Tensors;

namespace GenPipe.Diffusion;

/// <summary>
/// <c>decoder/identity</c>: the decoder of models that work in data space (such as the Gaussian mixture), so a
/// pipeline keeps its usual diffuse → decode → save shape.
/// </summary>
public sealed class IdentityDecoder : IDecoder
{
    /// <summary>The component id.</summary>
    public const string ComponentId = "decoder/identity";

    /// <summary>Returns a copy of <paramref name="latent"/>: tensors are mutable, and the latent may be a cached step output.</summary>
    public ValueTask<Tensor> DecodeAsync(Tensor latent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(latent);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(latent.Clone());
    }
}
