using GenPipe.Tensors;

namespace GenPipe.Abstractions.Models;

/// <summary>
/// Maps a latent back to data (VAE/VQ decoder, GAN generator, flow inverse, detokenizer to a tensor). Takes latents in
/// the space its <see cref="IEncoder"/> produces them (scaled, for an autoencoder with a <c>scaling_factor</c>).
/// </summary>
public interface IDecoder
{
    /// <summary>Decodes a batch.</summary>
    ValueTask<Tensor> DecodeAsync(Tensor latent, CancellationToken cancellationToken);
}
