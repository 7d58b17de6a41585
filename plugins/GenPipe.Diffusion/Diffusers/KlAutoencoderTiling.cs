namespace GenPipe.Diffusion.Diffusers;

/// <summary>When <c>autoencoder/kl</c> encodes and decodes tile by tile (its <c>tiling</c> option).</summary>
public enum KlAutoencoderTiling
{
    /// <summary>
    /// Untiled up to twice the tile size on a side (exact, as diffusers without tiling); tiled above, where untiled
    /// activation memory would grow with the image's area.
    /// </summary>
    Auto,

    /// <summary>As diffusers after <c>enable_vae_tiling()</c>: tiled whenever the image is larger than one tile on a side.</summary>
    On,

    /// <summary>Never tiled, as diffusers by default.</summary>
    Off,
}
