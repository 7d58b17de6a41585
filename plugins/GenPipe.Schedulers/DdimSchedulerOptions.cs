using GenPipe.Abstractions.Components;

namespace GenPipe.Schedulers;

/// <summary>
/// Options of <see cref="DdimScheduler"/>: the shared keys plus DDIM's sample clipping, thresholding and <c>eta</c>.
/// The defaults are diffusers' <c>DDIMScheduler</c> defaults (note <c>clip_sample</c> and <c>set_alpha_to_one</c>
/// default to true there; Stable Diffusion configs turn both off).
/// </summary>
public sealed record DdimSchedulerOptions : SchedulerOptions
{
    /// <summary><c>clip_sample</c>: clamp the predicted x_0 to [-clip_sample_range, clip_sample_range].</summary>
    public bool ClipSample { get; init; } = true;

    /// <summary><c>clip_sample_range</c>: the bound of <c>clip_sample</c>.</summary>
    public double ClipSampleRange { get; init; } = 1.0;

    /// <summary>
    /// <c>set_alpha_to_one</c>: after the last step, use alpha_cumprod = 1 (a clean sample) rather than the
    /// first training step's alpha_cumprod.
    /// </summary>
    public bool SetAlphaToOne { get; init; } = true;

    /// <summary><c>thresholding</c>: dynamic thresholding of the predicted x_0 (Saharia et al., 2022).</summary>
    public bool Thresholding { get; init; }

    /// <summary><c>dynamic_thresholding_ratio</c>: the quantile of |x_0| used as the threshold.</summary>
    public double DynamicThresholdingRatio { get; init; } = 0.995;

    /// <summary><c>sample_max_value</c>: the largest threshold dynamic thresholding may use.</summary>
    public double SampleMaxValue { get; init; } = 1.0;

    /// <summary>
    /// <c>eta</c>: the weight of the stochastic term, 0 for deterministic DDIM and 1 for DDPM-like sampling.
    /// diffusers passes it to <c>step()</c>; here it is configuration.
    /// </summary>
    public double Eta { get; init; }

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

        if (!(Eta >= 0))
        {
            yield return new OptionProblem("eta", $"must not be negative, got {Eta}.");
        }
    }
}
