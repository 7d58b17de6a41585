using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using GenPipe.Abstractions.Components;

namespace GenPipe.Schedulers;

/// <summary>
/// Options of <see cref="DpmSolverSinglestepScheduler"/>; defaults are diffusers' <c>DPMSolverSinglestepScheduler</c>
/// defaults. diffusers' singlestep solver has no <c>timestep_spacing</c> or <c>steps_offset</c>: it always spaces
/// timesteps with <c>linspace</c>, and so does this one (the shared keys are accepted and ignored).
/// </summary>
public sealed record DpmSolverSinglestepSchedulerOptions : MultistepSolverOptions
{
    /// <summary>Creates the options with diffusers' defaults.</summary>
    public DpmSolverSinglestepSchedulerOptions()
    {
        LowerOrderFinal = false;
    }

    /// <summary><c>algorithm_type</c>: <c>dpmsolver++</c> or <c>sde-dpmsolver++</c> (draws noise every step).</summary>
    [Description("Dpmsolver++ or sde-dpmsolver++ (draws noise every step).")]
    public string AlgorithmType { get; init; } = "dpmsolver++";

    /// <summary><c>solver_type</c>: how the higher-order terms are formed, <c>midpoint</c> or <c>heun</c>.</summary>
    [Description("How the higher-order terms are formed, midpoint or heun.")]
    public string SolverType { get; init; } = "midpoint";

    /// <summary>
    /// <c>final_sigmas_type</c>: the sigma after the last step, <c>zero</c> or <c>sigma_min</c>. <c>zero</c> implies
    /// <c>lower_order_final</c>, as it does in diffusers.
    /// </summary>
    [Description("The sigma after the last step, zero or sigma_min. zero implies lower_order_final, as it does in diffusers.")]
    public string FinalSigmasType { get; init; } = "zero";

    /// <summary><c>lambda_min_clipped</c>: drop the training steps whose log-SNR lies below this (cosine schedules).</summary>
    [JsonConverter(typeof(InfinityTolerantDoubleConverter))]
    [Description("Drop the training steps whose log-SNR lies below this (cosine schedules).")]
    [Range(double.NegativeInfinity, double.MaxValue)]
    public double LambdaMinClipped { get; init; } = double.NegativeInfinity;

    /// <summary><c>variance_type</c>: learned-variance outputs; not implemented, so it must stay null.</summary>
    [Description("Learned-variance outputs; not implemented, so it must stay null.")]
    public string? VarianceType { get; init; }

    /// <inheritdoc />
    public override IEnumerable<OptionProblem> Validate()
    {
        foreach (var problem in base.Validate())
        {
            yield return problem;
        }

        if (!DpmSolverMultistepSchedulerOptions.AlgorithmTypes.Contains(AlgorithmType))
        {
            yield return OneOf("algorithm_type", AlgorithmType, DpmSolverMultistepSchedulerOptions.AlgorithmTypes);
        }

        if (!DpmSolverMultistepSchedulerOptions.SolverTypes.Contains(SolverType))
        {
            yield return OneOf("solver_type", SolverType, DpmSolverMultistepSchedulerOptions.SolverTypes);
        }

        if (!FinalSigmasTypes.Contains(FinalSigmasType))
        {
            yield return OneOf("final_sigmas_type", FinalSigmasType, FinalSigmasTypes);
        }

        if (VarianceType is not null)
        {
            yield return new OptionProblem("variance_type", $"'{VarianceType}' (learned variance) is not implemented yet; leave it null.");
        }

        if (RescaleBetasZeroSnr)
        {
            // diffusers' singlestep solver has no such option; with it the first sigma would be infinite.
            yield return new OptionProblem("rescale_betas_zero_snr", "is not supported by the singlestep solver; set it to false or use scheduler/dpmpp-multistep.");
        }
    }
}
