using System.ComponentModel;

namespace GenPipe.Diffusion.Diffusers;

/// <summary>Options of <c>autoencoder/kl</c>.</summary>
public sealed class KlAutoencoderOptions
{
    /// <summary>A weights variant (<c>fp16</c>); empty for the plain file.</summary>
    [Description("Weights variant, e.g. fp16 (diffusion_pytorch_model.fp16.safetensors); empty: the plain file.")]
    public string Variant { get; set; } = "";

    /// <summary>For a single-file checkpoint source: a diffusers folder whose vae config describes it; empty: SD 1.5's.</summary>
    [Description("For a single-file checkpoint: a diffusers folder whose vae config describes it (absolute or relative to the current folder); empty: SD 1.5's.")]
    public string ConfigFolder { get; set; } = "";
}
