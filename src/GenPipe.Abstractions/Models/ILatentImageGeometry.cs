namespace GenPipe.Abstractions.Models;

/// <summary>
/// What a denoiser of image latents knows about the images behind them: how many pixels one latent spans on each side
/// (Stable Diffusion: 8, from its VAE's levels). With it, a pipeline can be given image sizes in pixels, as users think
/// of them, and the diffusion step turns them into latent sizes.
/// </summary>
public interface ILatentImageGeometry
{
    /// <summary>Pixels per latent along each side (a power of two for a VAE with stride-2 levels).</summary>
    int PixelsPerLatent { get; }

    /// <summary>The multiple latent sizes must have for the denoiser (a UNet halves them at each level: 2^(levels - 1)).</summary>
    int LatentMultiple => 1;
}
