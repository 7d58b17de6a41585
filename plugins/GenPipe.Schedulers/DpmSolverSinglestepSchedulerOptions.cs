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
    public string AlgorithmType { get; init; } = "dpmsolver++";

    /// <summary><c>solver_type</c>: how the higher-order terms are formed, <c>midpoint</c> or <c>heun</c>.</summary>
    public string SolverType { get; init; } = "midpoint";

    /// <summary>
    /// <c>final_sigmas_type</c>: the sigma after the last step, <c>zero</c> or <c>sigma_min</c>. <c>zero</c> implies
    /// <c>lower_order_final</c>, as it does in diffusers.
    /// </summary>
    public string FinalSigmasType { get; init; } = "zero";

    /// <summary><c>lambda_min_clipped</c>: drop the training steps whose log-SNR lies below this (cosine schedules).</summary>
    [JsonConverter(typeof(InfinityTolerantDoubleConverter))]
    public double LambdaMinClipped { get; init; } = double.NegativeInfinity;

    /// <summary><c>variance_type</c>: learned-variance outputs; not implemented, so it must stay null.</summary>
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
