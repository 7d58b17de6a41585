using System.ComponentModel;
using GenPipe.Abstractions.Components;

namespace GenPipe.Schedulers;

/// <summary>Options of <see cref="DeisMultistepScheduler"/>; defaults are diffusers' <c>DEISMultistepScheduler</c> defaults.</summary>
public sealed record DeisMultistepSchedulerOptions : MultistepSolverOptions
{
    /// <summary><c>algorithm_type</c>: only <c>deis</c> exists.</summary>
    [Description("Only deis exists.")]
    public string AlgorithmType { get; init; } = "deis";

    /// <summary><c>solver_type</c>: only <c>logrho</c> (polynomial extrapolation in log rho) exists.</summary>
    [Description("Only logrho (polynomial extrapolation in log rho) exists.")]
    public string SolverType { get; init; } = "logrho";

    /// <inheritdoc />
    public override IEnumerable<OptionProblem> Validate()
    {
        foreach (var problem in base.Validate())
        {
            yield return problem;
        }

        if (AlgorithmType != "deis")
        {
            yield return OneOf("algorithm_type", AlgorithmType, ["deis"]);
        }

        if (SolverType != "logrho")
        {
            yield return OneOf("solver_type", SolverType, ["logrho"]);
        }

        if (RescaleBetasZeroSnr)
        {
            // diffusers' DEIS has no such option; with it the first sigma would be infinite.
            yield return new OptionProblem("rescale_betas_zero_snr", "is not supported by DEIS; set it to false or use scheduler/unipc.");
        }
    }
}
