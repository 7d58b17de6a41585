using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using GenPipe.Abstractions.Components;

namespace GenPipe.Schedulers;

/// <summary>
/// Options of <see cref="UniPcMultistepScheduler"/>; defaults are diffusers' <c>UniPCMultistepScheduler</c> defaults
/// (B2(h), data prediction). Not sealed: the <c>uni_pc</c> preset (B1(h), ComfyUI's default) is a subclass.
/// </summary>
public record UniPcMultistepSchedulerOptions : MultistepSolverOptions
{
    /// <summary>The solver types (<c>solver_type</c>).</summary>
    public static readonly IReadOnlyList<string> SolverTypes = ["bh1", "bh2"];

    /// <summary><c>predict_x0</c>: run the solver on the data prediction (true) or the noise prediction.</summary>
    [Description("Run the solver on the data prediction (true) or the noise prediction.")]
    public bool PredictX0 { get; init; } = true;

    /// <summary>
    /// <c>solver_type</c>: B(h) of the UniPC paper, <c>bh1</c> = h (recommended for unconditional sampling) or
    /// <c>bh2</c> = e^h - 1 (guided sampling).
    /// </summary>
    [Description("B(h) of the UniPC paper, bh1 = h (recommended for unconditional sampling) or bh2 = e^h - 1 (guided sampling).")]
    public string SolverType { get; init; } = "bh2";

    /// <summary><c>disable_corrector</c>: the step indices whose UniC correction is skipped (large guidance scales).</summary>
    [Description("The step indices whose UniC correction is skipped (large guidance scales).")]
    public int[] DisableCorrector { get; init; } = [];

    /// <summary><c>final_sigmas_type</c>: the sigma after the last step, <c>zero</c> or <c>sigma_min</c>.</summary>
    [Description("The sigma after the last step, zero or sigma_min.")]
    public string FinalSigmasType { get; init; } = "zero";

    /// <summary><c>sigma_min</c>: the smallest sigma of a Karras or exponential schedule; null takes the training minimum.</summary>
    [Description("The smallest sigma of a Karras or exponential schedule; null takes the training minimum.")]
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true)]
    public double? SigmaMin { get; init; }

    /// <summary><c>sigma_max</c>: the largest sigma of a Karras or exponential schedule; null takes the training maximum.</summary>
    [Description("The largest sigma of a Karras or exponential schedule; null takes the training maximum.")]
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true)]
    public double? SigmaMax { get; init; }

    /// <inheritdoc />
    public override IEnumerable<OptionProblem> Validate()
    {
        foreach (var problem in base.Validate())
        {
            yield return problem;
        }

        if (!SolverTypes.Contains(SolverType))
        {
            yield return OneOf("solver_type", SolverType, SolverTypes);
        }

        if (!FinalSigmasTypes.Contains(FinalSigmasType))
        {
            yield return OneOf("final_sigmas_type", FinalSigmasType, FinalSigmasTypes);
        }

        if (DisableCorrector is null)
        {
            yield return new OptionProblem("disable_corrector", "must be a list of step indices (use [] for none).");
        }

        if (SigmaMin is <= 0 || SigmaMax is <= 0 || (SigmaMin is { } lo && SigmaMax is { } hi && lo >= hi))
        {
            yield return new OptionProblem("sigma_min", $"needs 0 < sigma_min < sigma_max, got sigma_min={SigmaMin} and sigma_max={SigmaMax}.");
        }
    }
}
