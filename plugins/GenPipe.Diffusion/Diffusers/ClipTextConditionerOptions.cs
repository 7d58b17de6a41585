using System.ComponentModel;

namespace GenPipe.Diffusion.Diffusers;

/// <summary>Options of <c>conditioner/clip-text</c>.</summary>
public sealed class ClipTextConditionerOptions
{
    /// <summary>
    /// Layers to skip from the end ("clip skip" as diffusers counts it: 0 uses the last hidden state, 1 the one before,
    /// through the final layer norm; A1111's setting N is N - 1 here).
    /// </summary>
    [Description("Layers skipped from the end, as diffusers' clip_skip counts (0: the last hidden state; A1111's 'Clip skip' N is N - 1).")]
    [System.ComponentModel.DataAnnotations.Range(0, 48)]
    public int ClipSkip { get; set; }

    /// <summary>A weights variant (<c>fp16</c>); empty for the plain file.</summary>
    [Description("Weights variant, e.g. fp16 (model.fp16.safetensors); empty: the plain file.")]
    public string Variant { get; set; } = "";

    /// <summary>For a single-file checkpoint source: a diffusers folder whose text_encoder config and tokenizer describe it; empty: SD 1.5's.</summary>
    [Description("For a single-file checkpoint: a diffusers folder whose text_encoder config and tokenizer describe it (absolute or relative to the current folder); empty: SD 1.5's.")]
    public string ConfigFolder { get; set; } = "";
}
