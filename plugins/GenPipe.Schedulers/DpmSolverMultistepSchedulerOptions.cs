using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using GenPipe.Abstractions.Components;

namespace GenPipe.Schedulers;

/// <summary>
/// Options of <see cref="DpmSolverMultistepScheduler"/>; defaults are diffusers' <c>DPMSolverMultistepScheduler</c>
/// defaults (DPM-Solver++ 2M). Not sealed: the preset ids (<c>dpmpp_2m_karras</c>, ...) are subclasses whose
/// constructors change the defaults, so an explicit key still wins over the preset.
/// </summary>
public record DpmSolverMultistepSchedulerOptions : MultistepSolverOptions
{
    /// <summary>The algorithm types this library implements (<c>algorithm_type</c>).</summary>
    public static readonly IReadOnlyList<string> AlgorithmTypes = ["dpmsolver++", "sde-dpmsolver++"];

    /// <summary>The second-order solver types (<c>solver_type</c>).</summary>
    public static readonly IReadOnlyList<string> SolverTypes = ["midpoint", "heun"];

    /// <summary>
    /// <c>algorithm_type</c>: <c>dpmsolver++</c> (the ODE solver on the data prediction) or <c>sde-dpmsolver++</c>
    /// (its SDE variant, which draws noise every step).
    /// </summary>
    [Description("Dpmsolver++ (the ODE solver on the data prediction) or sde-dpmsolver++ (its SDE variant, which draws noise every step).")]
    public string AlgorithmType { get; init; } = "dpmsolver++";

    /// <summary><c>solver_type</c>: how the second-order term is formed, <c>midpoint</c> or <c>heun</c>.</summary>
    [Description("How the second-order term is formed, midpoint or heun.")]
    public string SolverType { get; init; } = "midpoint";

    /// <summary><c>euler_at_final</c>: take a first-order step at the end (more stable, less detail).</summary>
    [Description("Take a first-order step at the end (more stable, less detail).")]
    public bool EulerAtFinal { get; init; }

    /// <summary><c>final_sigmas_type</c>: the sigma after the last step, <c>zero</c> or <c>sigma_min</c>.</summary>
    [Description("The sigma after the last step, zero or sigma_min.")]
    public string FinalSigmasType { get; init; } = "zero";

    /// <summary><c>lambda_min_clipped</c>: drop the training steps whose log-SNR lies below this (cosine schedules).</summary>
    [JsonConverter(typeof(InfinityTolerantDoubleConverter))]
    [Description("Drop the training steps whose log-SNR lies below this (cosine schedules).")]
    [Range(double.NegativeInfinity, double.MaxValue)]
    public double LambdaMinClipped { get; init; } = double.NegativeInfinity;

    /// <summary><c>variance_type</c>: learned-variance outputs; not implemented, so it must stay null.</summary>
    [Description("Learned-variance outputs; not implemented, so it must stay null.")]
    public string? VarianceType { get; init; }

    /// <summary><c>use_lu_lambdas</c>: uniform log-SNR steps; not implemented, so it must stay false.</summary>
    [Description("Uniform log-SNR steps; not implemented, so it must stay false.")]
    public bool UseLuLambdas { get; init; }

    /// <inheritdoc />
    public override IEnumerable<OptionProblem> Validate()
    {
        foreach (var problem in base.Validate())
        {
            yield return problem;
        }

        if (!AlgorithmTypes.Contains(AlgorithmType))
        {
            yield return OneOf("algorithm_type", AlgorithmType, AlgorithmTypes);
        }

        if (!SolverTypes.Contains(SolverType))
        {
            yield return OneOf("solver_type", SolverType, SolverTypes);
        }

        if (!FinalSigmasTypes.Contains(FinalSigmasType))
        {
            yield return OneOf("final_sigmas_type", FinalSigmasType, FinalSigmasTypes);
        }

        if (VarianceType is not null)
        {
            yield return new OptionProblem("variance_type", $"'{VarianceType}' (learned variance) is not implemented yet; leave it null.");
        }

        if (UseLuLambdas)
        {
            yield return new OptionProblem("use_lu_lambdas", "is not implemented yet; set it to false.");
        }
    }
}
