using System.Diagnostics;

namespace GenPipe.Bench.Generation;

/// <summary>
/// Repeats a measured run for a time budget and keeps the shortest time. The best, not the median: this 2-vCPU VM's
/// neighbours steal time in phases of seconds, and the best of many runs measures what the code can do, on both sides
/// alike (bench/generation.py keeps PyTorch's best the same way).
/// </summary>
internal static class BestOf
{
    /// <summary>
    /// Calls <paramref name="run"/> (which returns the milliseconds it measured, excluding its own set-up) at least
    /// three times and until <paramref name="budgetSeconds"/> have passed; returns the shortest and the run count.
    /// </summary>
    public static (double BestMs, int Runs) Measure(Func<double> run, double budgetSeconds, int minimumRuns = 3)
    {
        ArgumentNullException.ThrowIfNull(run);
        double best = double.PositiveInfinity;
        int runs = 0;
        long start = Stopwatch.GetTimestamp();
        while (runs < minimumRuns || (Stopwatch.GetElapsedTime(start).TotalSeconds < budgetSeconds && runs < 10_000))
        {
            best = Math.Min(best, run());
            runs++;
        }

        return (best, runs);
    }

    /// <summary>Runs <paramref name="run"/> for at least <paramref name="seconds"/> so tiered compilation has optimized the hot loops.</summary>
    public static void WarmUp(Action run, double seconds = 0.3)
    {
        ArgumentNullException.ThrowIfNull(run);
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < 3 || Stopwatch.GetElapsedTime(start).TotalSeconds < seconds; i++)
        {
            run();
        }
    }
}
