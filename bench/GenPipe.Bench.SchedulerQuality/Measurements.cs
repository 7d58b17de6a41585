namespace GenPipe.Bench.SchedulerQuality;

/// <summary>One scheduler at one evaluation budget.</summary>
/// <param name="Budget">The budget asked for.</param>
/// <param name="Steps">The most steps whose counted evaluations stay within the budget.</param>
/// <param name="Evaluations">The denoiser calls the run made (counted).</param>
/// <param name="SlicedWasserstein">Mean SW2 to the exact reference sets.</param>
/// <param name="PathDistance">RMS per-sample distance to the scheduler's own reference-step solution, same seed.</param>
internal sealed record BudgetRun(int Budget, int Steps, long Evaluations, double SlicedWasserstein, double? PathDistance);

/// <summary>Everything measured for one scheduler.</summary>
/// <param name="Case">The scheduler and its options.</param>
/// <param name="Runs">One run per distinct step count, in budget order.</param>
/// <param name="ReferenceEvaluations">Evaluations of the reference-step solution.</param>
/// <param name="ReferenceSlicedWasserstein">SW2 of the reference-step solution.</param>
/// <param name="Problem">Why some or all of it could not be measured, or null.</param>
internal sealed record SchedulerResult(
    SchedulerCase Case, IReadOnlyList<BudgetRun> Runs, long? ReferenceEvaluations, double? ReferenceSlicedWasserstein, string? Problem);

/// <summary>The noise floor: SW2 between independent exact sample sets of the bench's size.</summary>
/// <param name="Mean">The mean over the floor sets (what a perfect sampler scores on average).</param>
/// <param name="Min">The smallest of them.</param>
/// <param name="Max">The largest of them.</param>
internal sealed record NoiseFloor(double Mean, double Min, double Max);

/// <summary>Every scheduler measured with one <c>timestep_spacing</c> choice.</summary>
/// <param name="Spacing">The spacing bound (<c>default</c>: each scheduler's own).</param>
/// <param name="Schedulers">One result per registered scheduler.</param>
/// <param name="BaselineEvaluations">The evaluations of the ratio's baseline (DDPM at 1000 steps, counted).</param>
/// <param name="BaselineLabel">How the tables name the baseline.</param>
internal sealed record SpacingSection(string Spacing, IReadOnlyList<SchedulerResult> Schedulers, long BaselineEvaluations, string BaselineLabel);

/// <summary>A whole bench run.</summary>
internal sealed record BenchReport(
    BenchOptions Options,
    string PipelineName,
    NoiseFloor Floor,
    IReadOnlyList<SpacingSection> Sections,
    TimeSpan Elapsed);
