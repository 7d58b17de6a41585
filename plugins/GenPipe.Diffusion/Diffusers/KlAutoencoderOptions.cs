using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using GenPipe.Abstractions.Components;

namespace GenPipe.Diffusion.Diffusers;

/// <summary>Options of <c>autoencoder/kl</c>.</summary>
public sealed class KlAutoencoderOptions : IValidatableOptions
{
    /// <summary>The largest <see cref="TileSize"/> accepted: far beyond any VAE's training size.</summary>
    public const int MaxTileSize = 1 << 16;

    /// <summary>A weights variant (<c>fp16</c>); empty for the plain file.</summary>
    [Description("Weights variant, e.g. fp16 (diffusion_pytorch_model.fp16.safetensors); empty: the plain file.")]
    public string Variant { get; set; } = "";

    /// <summary>For a single-file checkpoint source: a diffusers folder whose vae config describes it; empty: SD 1.5's.</summary>
    [Description("For a single-file checkpoint: a diffusers folder whose vae config describes it (absolute or relative to the current folder); empty: SD 1.5's.")]
    public string ConfigFolder { get; set; } = "";

    /// <summary>When to encode and decode tile by tile; see <see cref="KlAutoencoderTiling"/>.</summary>
    [Description("Tiled encoding and decoding for large images (overlapping tiles blended linearly, diffusers' enable_vae_tiling): on tiles every image larger than tile_size on a side, auto does too but never below 512x512 pixels (the same for SD 1.x), off never tiles.")]
    public KlAutoencoderTiling Tiling { get; set; } = KlAutoencoderTiling.Auto;

    /// <summary>
    /// The tile side in image pixels (diffusers' <c>tile_sample_min_size</c>); 0 for the VAE config's
    /// <c>sample_size</c> (512 for SD 1.x). A multiple of 4 x the VAE's pixels per latent (32 for SD 1.x).
    /// </summary>
    [Description("Tile side in image pixels; 0: the VAE config's sample_size (512 for SD 1.x). A multiple of 4 x the VAE's pixels per latent (32 for SD 1.x).")]
    [Range(0, MaxTileSize)]
    public int TileSize { get; set; }

    /// <summary>
    /// Whether tiles normalize by the whole image's group-norm statistics (gathered by running the tiles once more per
    /// group norm) instead of their own as diffusers' tiles do: much closer to untiled, several times slower.
    /// </summary>
    [Description("Tiles normalize with the whole image's group-norm statistics instead of their own (diffusers' tiling): much closer to untiled, no visible seams, several times the tiled time (the tiles run once more per group norm, up to it); memory still one tile's.")]
    public bool ImageNorms { get; set; }

    /// <summary>Whether a batch is encoded and decoded one image at a time (diffusers' <c>enable_vae_slicing</c>).</summary>
    [Description("Encode and decode a batch one image at a time (diffusers' enable_vae_slicing): the same numbers, activation memory of one image.")]
    public bool Slicing { get; set; } = true;

    /// <inheritdoc />
    public IEnumerable<OptionProblem> Validate()
    {
        // Every VAE needs a multiple of 4 (a quarter-tile overlap); the VAE's own multiple is checked when it loads.
        if (TileSize % 4 != 0)
        {
            yield return new OptionProblem("tile_size", $"tile_size is {TileSize}; it must be 0 (the VAE's sample_size) or a multiple of 4 x the VAE's pixels per latent (32 for SD 1.x), e.g. 512.");
        }
    }
}
