using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using GenPipe.Abstractions.Components;

namespace GenPipe.Schedulers;

/// <summary>
/// Options of <see cref="HeunDiscreteScheduler"/>: the shared keys, the k-diffusion sigma schedules, and clipping of
/// the clean-sample estimate. The defaults are diffusers' <c>HeunDiscreteScheduler</c> defaults.
/// </summary>
public sealed record HeunDiscreteSchedulerOptions : SigmaScheduleOptions
{
    /// <summary>Options with diffusers' defaults for this class (beta_start 0.00085, beta_end 0.012, linspace spacing).</summary>
    public HeunDiscreteSchedulerOptions()
    {
        BetaStart = 0.00085;
        BetaEnd = 0.012;
        TimestepSpacing = "linspace";
    }

    /// <summary><c>clip_sample</c>: clamp the predicted x_0 to [-clip_sample_range, clip_sample_range].</summary>
    [Description("Clamp the predicted x_0 to [-clip_sample_range, clip_sample_range].")]
    public bool ClipSample { get; init; }

    /// <summary><c>clip_sample_range</c>: the bound of <see cref="ClipSample"/>.</summary>
    [Description("The bound of ClipSample.")]
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true)]
    public double ClipSampleRange { get; init; } = 1.0;

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
    }
}
