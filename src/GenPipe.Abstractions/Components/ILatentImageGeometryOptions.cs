using GenPipe.Abstractions.Models;

namespace GenPipe.Abstractions.Components;

/// <summary>
/// Options of a denoiser of image latents that can tell, from the component's source and before anything loads (by
/// reading configs, not weights), how many pixels one latent spans. With it, image sizes in pixels are checked when the
/// pipeline is validated rather than when the diffusion step starts.
/// </summary>
public interface ILatentImageGeometryOptions
{
    /// <summary>
    /// The geometry of the denoiser that <paramref name="source"/> holds with these options, or null when the source
    /// does not say (the component checks it when it loads).
    /// </summary>
    /// <exception cref="InvalidDataException">The source's configs are broken; the message names the file.</exception>
    /// <exception cref="IOException">A config cannot be read.</exception>
    ILatentImageGeometry? ReadGeometry(string? source);
}
