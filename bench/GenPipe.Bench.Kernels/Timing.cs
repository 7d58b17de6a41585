using System.Diagnostics;

namespace GenPipe.Bench.Kernels;

/// <summary>Median wall time of repeated runs after a warm-up, and the bytes allocated per run meanwhile.</summary>
internal static class Timing
{
    public static (double MedianMs, double AllocatedBytesPerRun, int Runs) Measure(Action run, double budgetSeconds)
    {
        for (int i = 0; i < 3; i++)
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
        return (times[count / 2], (double)allocated / count, count);
    }
}
