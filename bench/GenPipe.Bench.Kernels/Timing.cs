using System.Diagnostics;

namespace GenPipe.Bench.Kernels;

/// <summary>
/// The best (shortest) wall time of repeated runs after a warm-up, and the bytes allocated per run meanwhile. The
/// best, not the median: this 2-vCPU machine is a VM whose neighbours steal time in phases of seconds, which moved
/// medians of both sides by up to 2x between runs; the best time measures what the code can do, on both sides alike.
/// </summary>
internal static class Timing
{
    public static (double BestMs, double AllocatedBytesPerRun, int Runs) Measure(Action run, double budgetSeconds)
    {
        // Warm up for at least three runs and 0.3 s, so tiered compilation has promoted the kernels' hot
        // loops (a short warm-up measured some kernels 3x slow, still in tier-0 code).
        long warmStart = Stopwatch.GetTimestamp();
        for (int i = 0; i < 3 || Stopwatch.GetElapsedTime(warmStart).TotalSeconds < 0.3; i++)
        {
            run();
        }

        var times = new double[200];
        int count = 0;
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        long start = Stopwatch.GetTimestamp();
        while (count < 5 || (Stopwatch.GetElapsedTime(start).TotalSeconds < budgetSeconds && count < times.Length))
        {
            long t0 = Stopwatch.GetTimestamp();
            run();
            times[count++] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        }

        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        Array.Sort(times, 0, count);
        return (times[0], (double)allocated / count, count);
    }
}
