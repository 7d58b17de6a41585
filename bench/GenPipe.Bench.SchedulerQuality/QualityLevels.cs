namespace GenPipe.Bench.SchedulerQuality;

/// <summary>
/// Quality levels as multiples of the noise floor, and who reaches each with the fewest evaluations. A scheduler
/// reaches a level at the smallest measured budget from which on every larger budget stays within it, so a lucky dip
/// at one budget does not count.
/// </summary>
internal static class QualityLevels
{
    /// <summary>
    /// Multiples of the noise floor. Independent errors add roughly in squares (SW2^2 ~ error^2 + floor^2), so these
    /// allow a scheduler's own error of about 3.9, 1.7, 1.1, 0.75 and 0.46 floors: from "coarse" to "indistinguishable
    /// from exact samples at this sample size".
    /// </summary>
    public static IReadOnlyList<double> Factors { get; } = [4, 2, 1.5, 1.25, 1.1];

    /// <summary>The first run of <paramref name="result"/> from which all runs stay at or below <paramref name="threshold"/>.</summary>
    public static BudgetRun? FirstWithin(SchedulerResult result, double threshold)
    {
        ArgumentNullException.ThrowIfNull(result);
        BudgetRun? first = null;
        foreach (var run in result.Runs.OrderByDescending(r => r.Evaluations))
        {
            if (run.SlicedWasserstein > threshold)
            {
                break;
            }

            first = run;
        }

        return first;
    }

    /// <summary>Every scheduler that reaches <paramref name="threshold"/>, fewest evaluations first (then lower SW2).</summary>
    public static IReadOnlyList<(SchedulerResult Scheduler, BudgetRun Run)> Ranking(IEnumerable<SchedulerResult> results, double threshold) =>
        results
            .Select(r => (Scheduler: r, Run: FirstWithin(r, threshold)))
            .Where(p => p.Run is not null)
            .Select(p => (p.Scheduler, Run: p.Run!))
            .OrderBy(p => p.Run.Evaluations)
            .ThenBy(p => p.Run.SlicedWasserstein)
            .ToArray();
}
