namespace GenPipe.Diffusion.Diffusers;

/// <summary>When <c>autoencoder/kl</c> encodes and decodes tile by tile (its <c>tiling</c> option).</summary>
public enum KlAutoencoderTiling
{
    /// <summary>
    /// As <see cref="On"/>, except that images of at most 512 x 512 pixels are never tiled (their activations are small
    /// and untiled is exact): for Stable Diffusion (512-pixel tiles) the same as <see cref="On"/>.
    /// </summary>
    Auto,

    /// <summary>As diffusers after <c>enable_vae_tiling()</c>: tiled whenever the image is larger than one tile on a side.</summary>
    On,

    /// <summary>Never tiled, as diffusers by default.</summary>
    Off,
}
