namespace GenPipe.Bench.SchedulerQuality;

/// <summary>One scheduler at one evaluation budget.</summary>
/// <param name="Budget">The budget asked for.</param>
/// <param name="Steps">The most steps whose counted evaluations stay within the budget.</param>
/// <param name="Evaluations">The denoiser calls the run made (counted).</param>
/// <param name="SlicedWasserstein">Mean SW2 to the exact reference sets.</param>
/// <param name="PathDistance">RMS per-sample distance to the scheduler's own reference-step solution, same seed.</param>
internal sealed record BudgetRun(int Budget, int Steps, long Evaluations, double SlicedWasserstein, double? PathDistance);
