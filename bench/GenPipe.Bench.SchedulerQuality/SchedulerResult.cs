namespace GenPipe.Bench.SchedulerQuality;

/// <summary>Everything measured for one scheduler.</summary>
/// <param name="Case">The scheduler and its options.</param>
/// <param name="Runs">One run per distinct step count, in budget order.</param>
/// <param name="ReferenceEvaluations">Evaluations of the reference-step solution.</param>
/// <param name="ReferenceSlicedWasserstein">SW2 of the reference-step solution.</param>
/// <param name="Problem">Why some or all of it could not be measured, or null.</param>
internal sealed record SchedulerResult(
    SchedulerCase Case, IReadOnlyList<BudgetRun> Runs, long? ReferenceEvaluations, double? ReferenceSlicedWasserstein, string? Problem);
