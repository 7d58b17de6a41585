using System.Runtime.InteropServices;

namespace GenPipe.Bench.Generation;

/// <summary>
/// CPU time of the calling thread (Linux <c>CLOCK_THREAD_CPUTIME_ID</c>): unlike wall time it does not advance while
/// the thread waits for a core, so on a shared machine it separates the code's cost from its neighbours' load. A
/// diagnostic beside the wall times (which the report uses), meaningful for one thread only.
/// </summary>
internal static partial class ThreadCpuClock
{
    private const int ThreadCpuTimeId = 3;

    /// <summary>Milliseconds of CPU this thread has used, or NaN where the clock is not available.</summary>
    public static double Milliseconds()
    {
        if (!OperatingSystem.IsLinux())
        {
            return double.NaN;
        }

        return ClockGetTime(ThreadCpuTimeId, out var time) == 0 ? (time.Seconds * 1e3) + (time.Nanoseconds / 1e6) : double.NaN;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);
}
