using GenPipe.Tensors;

namespace GenPipe.Abstractions.Models;

/// <summary>
/// A generative model whose latents have a prior it can draw from: a VAE's N(0, I), a GAN's latent noise, a flow's
/// base distribution. Latents come in the space the model's <see cref="IDecoder"/> takes (scaled, for an autoencoder
/// with a <c>scaling_factor</c>), so <c>sample_prior</c> followed by <c>decode</c> draws samples of the model.
/// </summary>
public interface IPriorSampler
{
    /// <summary>The shape of one latent, without the batch (a VAE's [channels, height, width]).</summary>
    IReadOnlyList<int> LatentShape { get; }

    /// <summary>
    /// Draws <paramref name="count"/> latents [count, ..<see cref="LatentShape"/>] from the prior at
    /// <paramref name="temperature"/> (for a Gaussian prior the standard deviation's multiplier: 1 is the prior itself,
    /// lower values trade variety for typical samples), taking the noise from <paramref name="random"/> in one draw of
    /// that shape, as <c>torch.randn([count, ..shape], generator=g)</c> does.
    /// </summary>
    Tensor SamplePrior(int count, double temperature, IRandomSource random);
}
