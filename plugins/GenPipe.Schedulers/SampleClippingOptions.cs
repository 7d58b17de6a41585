using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using GenPipe.Abstractions.Components;

namespace GenPipe.Schedulers;

/// <summary>
/// The shared keys plus the clipping and dynamic thresholding of the predicted clean sample that DDPM-family
/// schedulers (DDPM, DDIM) offer. Defaults are diffusers' (<c>clip_sample</c> is on by default there; Stable
/// Diffusion configs turn it off).
/// </summary>
public abstract record SampleClippingOptions : SchedulerOptions
{
    /// <summary><c>clip_sample</c>: clamp the predicted x_0 to [-clip_sample_range, clip_sample_range].</summary>
    [Description("Clamp the predicted x_0 to [-clip_sample_range, clip_sample_range].")]
    public bool ClipSample { get; init; } = true;

    /// <summary><c>clip_sample_range</c>: the bound of <c>clip_sample</c>.</summary>
    [Description("The bound of clip_sample.")]
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true)]
    public double ClipSampleRange { get; init; } = 1.0;

    /// <summary>
    /// <c>thresholding</c>: dynamic thresholding of the predicted x_0 (Saharia et al., 2022); takes precedence over
    /// <c>clip_sample</c>. Meant for pixel-space models.
    /// </summary>
    [Description("Dynamic thresholding of the predicted x_0 (Saharia et al., 2022); takes precedence over clip_sample. Meant for pixel-space models.")]
    public bool Thresholding { get; init; }

    /// <summary><c>dynamic_thresholding_ratio</c>: the quantile of |x_0| used as the threshold.</summary>
    [Description("The quantile of |x_0| used as the threshold.")]
    [Range(0.0, 1.0, MinimumIsExclusive = true)]
    public double DynamicThresholdingRatio { get; init; } = 0.995;

    /// <summary><c>sample_max_value</c>: the largest threshold dynamic thresholding may use.</summary>
    [Description("The largest threshold dynamic thresholding may use.")]
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true)]
    public double SampleMaxValue { get; init; } = 1.0;

    /// <inheritdoc />
    public override IEnumerable<OptionProblem> Validate()
    {
        foreach (var problem in base.Validate())
        {
            yield return problem;
        }

        if (!(ClipSampleRange > 0))
        {
            yield return new OptionProblem("clip_sample_range", $"must be positive, got {ClipSampleRange}.");
        }

        if (!(DynamicThresholdingRatio > 0 && DynamicThresholdingRatio <= 1))
        {
            yield return new OptionProblem("dynamic_thresholding_ratio", $"must lie in (0, 1], got {DynamicThresholdingRatio}.");
        }

        if (!(SampleMaxValue > 0))
        {
            yield return new OptionProblem("sample_max_value", $"must be positive, got {SampleMaxValue}.");
        }
    }

    /// <summary>Clips or thresholds the predicted x_0 in place, as configured.</summary>
    internal void ClipPrediction(Span<float> original, ReadOnlySpan<int> shape) =>
        PredictedSample.Clip(original, shape, Thresholding, DynamicThresholdingRatio, SampleMaxValue, ClipSample, ClipSampleRange);
}
