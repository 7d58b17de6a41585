namespace GenPipe.Bench.SchedulerQuality;

/// <summary>
/// Quality levels as multiples of the noise floor, and who reaches each with the fewest evaluations. A scheduler
/// reaches a level at the smallest measured budget from which on every larger budget stays within it, so a lucky dip
/// at one budget does not count.
/// </summary>
internal static class QualityLevels
{
    /// <summary>
    /// 4x: the clusters are in place but visibly off; 2x: half the distance is discretisation error; 1.25x and 1.1x:
    /// within a quarter and a tenth of what two exact sample sets differ by, i.e. indistinguishable at this sample size.
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
