namespace GenPipe.Bench.SchedulerQuality;

/// <summary>Every scheduler measured with one <c>timestep_spacing</c> choice.</summary>
/// <param name="Spacing">The spacing bound (<c>default</c>: each scheduler's own).</param>
/// <param name="Schedulers">One result per registered scheduler.</param>
/// <param name="BaselineEvaluations">The evaluations of the ratio's baseline (DDPM at 1000 steps, counted).</param>
/// <param name="BaselineLabel">How the tables name the baseline.</param>
internal sealed record SpacingSection(string Spacing, IReadOnlyList<SchedulerResult> Schedulers, long BaselineEvaluations, string BaselineLabel);
