using System.ComponentModel;
using GenPipe.Abstractions.Components;
using GenPipe.Abstractions.Models;

namespace GenPipe.Diffusion.Diffusers;

/// <summary>Options of <c>denoiser/unet2d-condition</c>.</summary>
public sealed class UNetDenoiserOptions : ILatentImageGeometryOptions
{
    /// <summary>What the UNet was trained to predict (diffusers keeps this in the scheduler's config).</summary>
    [Description("What the UNet predicts: epsilon (SD 1.x, SD 2 base) or v_prediction (SD 2.x 768).")]
    public PredictionType PredictionType { get; set; } = PredictionType.Epsilon;

    /// <summary>A weights variant (<c>fp16</c> reads <c>diffusion_pytorch_model.fp16.safetensors</c>); empty for the plain file.</summary>
    [Description("Weights variant, e.g. fp16 (diffusion_pytorch_model.fp16.safetensors); empty: the plain file.")]
    public string Variant { get; set; } = "";

    /// <summary>
    /// For a single-file checkpoint source: a diffusers model folder (or a <c>unet/</c> folder) whose config describes
    /// the checkpoint's UNet; empty: Stable Diffusion 1.5's.
    /// </summary>
    [Description("For a single-file checkpoint: a diffusers folder whose unet config describes it (absolute or relative to the current folder); empty: SD 1.5's.")]
    public string ConfigFolder { get; set; } = "";

    /// <inheritdoc />
    public ILatentImageGeometry? ReadGeometry(string? source) =>
        source is null ? null : new PixelGeometry(UNetDenoiser.PixelsPerLatentOf(source, this));

    private sealed record PixelGeometry(int PixelsPerLatent) : ILatentImageGeometry;
}
