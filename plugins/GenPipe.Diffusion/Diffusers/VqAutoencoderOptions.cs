using System.ComponentModel;

namespace GenPipe.Diffusion.Diffusers;

/// <summary>Options of <c>autoencoder/vq</c>.</summary>
public sealed class VqAutoencoderOptions
{
    /// <summary>A weights variant (<c>fp16</c>); empty for the plain file.</summary>
    [Description("Weights variant, e.g. fp16 (diffusion_pytorch_model.fp16.safetensors); empty: the plain file.")]
    public string Variant { get; set; } = "";
}
