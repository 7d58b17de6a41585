using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using GenPipe.Abstractions.Components;

namespace GenPipe.Schedulers;

/// <summary>
/// The keys the exponential-integrator solvers share (DPM-Solver multistep and singlestep, DEIS, UniPC): the solver
/// order, dynamic thresholding of the data prediction, and how the sigma schedule is drawn. Their diffusers defaults
/// space timesteps with <c>linspace</c>, so that is the default here too.
/// </summary>
public abstract record MultistepSolverOptions : SchedulerOptions
{
    /// <summary>The values of <c>final_sigmas_type</c>.</summary>
    public static readonly IReadOnlyList<string> FinalSigmasTypes = ["zero", "sigma_min"];

    /// <summary>Creates the options with diffusers' defaults.</summary>
    protected MultistepSolverOptions()
    {
        TimestepSpacing = "linspace";
    }

    /// <summary><c>solver_order</c>: 1, 2 or 3 (2 is recommended for guided sampling, 3 for unconditional).</summary>
    [Description("1, 2 or 3 (2 is recommended for guided sampling, 3 for unconditional).")]
    public int SolverOrder { get; init; } = 2;

    /// <summary><c>thresholding</c>: dynamic thresholding of the predicted x_0 (Saharia et al., 2022); pixel-space models only.</summary>
    [Description("Dynamic thresholding of the predicted x_0 (Saharia et al., 2022); pixel-space models only.")]
    public bool Thresholding { get; init; }

    /// <summary><c>dynamic_thresholding_ratio</c>: the quantile of |x_0| used as the threshold.</summary>
    [Description("The quantile of |x_0| used as the threshold.")]
    [Range(0.0, 1.0, MinimumIsExclusive = true)]
    public double DynamicThresholdingRatio { get; init; } = 0.995;

    /// <summary><c>sample_max_value</c>: the largest threshold dynamic thresholding may use.</summary>
    [Description("The largest threshold dynamic thresholding may use.")]
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true)]
    public double SampleMaxValue { get; init; } = 1.0;

    /// <summary><c>lower_order_final</c>: fall back to lower orders on the last steps of short runs (fewer than 15 steps).</summary>
    [Description("Fall back to lower orders on the last steps of short runs (fewer than 15 steps).")]
    public bool LowerOrderFinal { get; init; } = true;

    /// <summary><c>use_karras_sigmas</c>: the sigma schedule of Karras et al. (2022), rho = 7, ignoring <c>timestep_spacing</c>.</summary>
    [Description("The sigma schedule of Karras et al. (2022), rho = 7, ignoring timestep_spacing.")]
    public bool UseKarrasSigmas { get; init; }

    /// <summary><c>use_exponential_sigmas</c>: sigmas evenly spaced in log space, ignoring <c>timestep_spacing</c>.</summary>
    [Description("Sigmas evenly spaced in log space, ignoring timestep_spacing.")]
    public bool UseExponentialSigmas { get; init; }

    /// <summary><c>use_beta_sigmas</c>: the beta-distribution schedule; not implemented, so it must stay false.</summary>
    [Description("The beta-distribution schedule; not implemented, so it must stay false.")]
    public bool UseBetaSigmas { get; init; }

    /// <summary><c>use_flow_sigmas</c>: flow-matching sigmas; not implemented, so it must stay false.</summary>
    [Description("Flow-matching sigmas; not implemented, so it must stay false.")]
    public bool UseFlowSigmas { get; init; }

    /// <summary><c>use_dynamic_shifting</c>: resolution-dependent flow shift; not implemented, so it must stay false.</summary>
    [Description("Resolution-dependent flow shift; not implemented, so it must stay false.")]
    public bool UseDynamicShifting { get; init; }

    /// <summary>The largest solver order this scheduler implements.</summary>
    protected virtual int MaxSolverOrder => 3;

    /// <inheritdoc />
    public override IEnumerable<OptionProblem> Validate()
    {
        foreach (var problem in base.Validate())
        {
            yield return problem;
        }

        if (SolverOrder < 1 || SolverOrder > MaxSolverOrder)
        {
            yield return new OptionProblem("solver_order", $"must lie in 1..{MaxSolverOrder}, got {SolverOrder}.");
        }

        if (!(DynamicThresholdingRatio > 0 && DynamicThresholdingRatio <= 1))
        {
            yield return new OptionProblem("dynamic_thresholding_ratio", $"must lie in (0, 1], got {DynamicThresholdingRatio}.");
        }

        if (!(SampleMaxValue > 0))
        {
            yield return new OptionProblem("sample_max_value", $"must be positive, got {SampleMaxValue}.");
        }

        if (UseKarrasSigmas && UseExponentialSigmas)
        {
            yield return new OptionProblem("use_exponential_sigmas", "cannot be combined with use_karras_sigmas; set one of them to false.");
        }

        foreach (var (key, value) in new[] { ("use_beta_sigmas", UseBetaSigmas), ("use_flow_sigmas", UseFlowSigmas), ("use_dynamic_shifting", UseDynamicShifting) })
        {
            if (value)
            {
                yield return new OptionProblem(key, "is not implemented yet; set it to false.");
            }
        }
    }

    /// <summary>Thresholds the predicted x_0 in place when <see cref="Thresholding"/> is on.</summary>
    internal void ThresholdPrediction(Span<float> original, ReadOnlySpan<int> shape)
    {
        if (Thresholding)
        {
            PredictedSample.Clip(original, shape, thresholding: true, DynamicThresholdingRatio, SampleMaxValue, clip: false, range: 1);
        }
    }
}
