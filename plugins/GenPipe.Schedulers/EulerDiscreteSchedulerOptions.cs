using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using GenPipe.Abstractions.Components;

namespace GenPipe.Schedulers;

/// <summary>
/// Options of <see cref="EulerDiscreteScheduler"/>: the shared keys plus how the sigma schedule is drawn. The
/// defaults are diffusers' <c>EulerDiscreteScheduler</c> defaults.
/// </summary>
public sealed record EulerDiscreteSchedulerOptions : SigmaScheduleOptions
{
    /// <summary>The interpolation types of the sigma schedule (<c>interpolation_type</c>).</summary>
    public static readonly IReadOnlyList<string> InterpolationTypes = ["linear", "log_linear"];

    /// <summary>The timestep types (<c>timestep_type</c>).</summary>
    public static readonly IReadOnlyList<string> TimestepTypes = ["discrete", "continuous"];

    /// <summary>The values of <c>final_sigmas_type</c>.</summary>
    public static readonly IReadOnlyList<string> FinalSigmasTypes = ["zero", "sigma_min"];

    /// <summary>Options with diffusers' defaults for this class (linspace spacing).</summary>
    public EulerDiscreteSchedulerOptions()
    {
        TimestepSpacing = "linspace";
    }

    /// <summary>
    /// <c>interpolation_type</c>: <c>linear</c> interpolates the training sigmas at the timesteps;
    /// <c>log_linear</c> spaces the sigmas evenly in log space.
    /// </summary>
    [Description("Linear interpolates the training sigmas at the timesteps; log_linear spaces the sigmas evenly in log space.")]
    public string InterpolationType { get; init; } = "linear";

    /// <summary><c>sigma_min</c>: the smallest sigma of a Karras or exponential schedule; null takes the schedule's own.</summary>
    [Description("The smallest sigma of a Karras or exponential schedule; null takes the schedule's own.")]
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true)]
    public double? SigmaMin { get; init; }

    /// <summary><c>sigma_max</c>: the largest sigma of a Karras or exponential schedule; null takes the schedule's own.</summary>
    [Description("The largest sigma of a Karras or exponential schedule; null takes the schedule's own.")]
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true)]
    public double? SigmaMax { get; init; }

    /// <summary>
    /// <c>timestep_type</c>: <c>discrete</c> passes training timesteps to the model; <c>continuous</c> (with
    /// v_prediction) passes 0.25 * ln(sigma), as EDM-style models expect.
    /// </summary>
    [Description("Discrete passes training timesteps to the model; continuous (with v_prediction) passes 0.25 * ln(sigma), as EDM-style models expect.")]
    public string TimestepType { get; init; } = "discrete";

    /// <summary><c>final_sigmas_type</c>: the sigma after the last step, <c>zero</c> or <c>sigma_min</c>.</summary>
    [Description("The sigma after the last step, zero or sigma_min.")]
    public string FinalSigmasType { get; init; } = "zero";

    /// <summary><c>s_churn</c>: stochasticity added per step (Karras et al., 2022, Algorithm 2); 0 is deterministic.</summary>
    [Description("Stochasticity added per step (Karras et al., 2022, Algorithm 2); 0 is deterministic.")]
    [Range(0.0, double.MaxValue)]
    public double SChurn { get; init; }

    /// <summary><c>s_tmin</c>: the smallest sigma that receives churn.</summary>
    [Description("The smallest sigma that receives churn.")]
    [Range(0.0, double.MaxValue)]
    public double STmin { get; init; }

    /// <summary><c>s_tmax</c>: the largest sigma that receives churn.</summary>
    [Description("The largest sigma that receives churn.")]
    [Range(0.0, double.PositiveInfinity)]
    public double STmax { get; init; } = double.PositiveInfinity;

    /// <summary><c>s_noise</c>: the scale of the churn noise.</summary>
    [Description("The scale of the churn noise.")]
    [Range(0.0, double.MaxValue)]
    public double SNoise { get; init; } = 1.0;

    /// <inheritdoc />
    protected override bool SupportsZeroTerminalSnr => true;

    /// <inheritdoc />
    public override IEnumerable<OptionProblem> Validate()
    {
        foreach (var problem in base.Validate())
        {
            yield return problem;
        }

        if (!InterpolationTypes.Contains(InterpolationType))
        {
            yield return OneOf("interpolation_type", InterpolationType, InterpolationTypes);
        }

        if (!TimestepTypes.Contains(TimestepType))
        {
            yield return OneOf("timestep_type", TimestepType, TimestepTypes);
        }

        if (!FinalSigmasTypes.Contains(FinalSigmasType))
        {
            yield return OneOf("final_sigmas_type", FinalSigmasType, FinalSigmasTypes);
        }

        if (SigmaMin is <= 0 || SigmaMax is <= 0 || (SigmaMin is { } lo && SigmaMax is { } hi && lo >= hi))
        {
            yield return new OptionProblem("sigma_min", $"needs 0 < sigma_min < sigma_max, got sigma_min={SigmaMin} and sigma_max={SigmaMax}.");
        }

        if (!(SChurn >= 0) || !(SNoise >= 0))
        {
            yield return new OptionProblem(SChurn >= 0 ? "s_noise" : "s_churn", $"must not be negative, got s_churn={SChurn} and s_noise={SNoise}.");
        }
    }
}
