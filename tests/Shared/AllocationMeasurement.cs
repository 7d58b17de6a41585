using Xunit;

namespace GenPipe.Testing;

/// <summary>
/// The one non-parallel collection of each test assembly: tests that count allocated bytes with
/// <c>GC.GetTotalAllocatedBytes</c> (which sees every thread of the process), and kernel tests that change the shared
/// CPU workers' thread count or allocate enough to disturb those counts. xunit runs it alone, after the others.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationMeasurement
{
    /// <summary>The collection's name, for <c>[Collection(AllocationMeasurement.Name)]</c>.</summary>
    public const string Name = "Allocation measurement (not parallel)";
}

/// <summary>Counts managed allocations of repeated work, process-wide.</summary>
public static class AllocationProbe
{
    /// <summary>
    /// The fewest bytes the whole process allocated in any of <paramref name="windows"/> windows of
    /// <paramref name="repetitions"/> runs. The test host's own threads allocate now and then, so one clean window is
    /// the evidence; work that allocates on every run allocates in every window.
    /// </summary>
    public static long FewestBytes(Action run, int repetitions = 20, int windows = 5)
    {
        ArgumentNullException.ThrowIfNull(run);
        run();
        long fewest = long.MaxValue;
        for (int w = 0; w < windows && fewest != 0; w++)
        {
            long before = GC.GetTotalAllocatedBytes(precise: true);
            for (int i = 0; i < repetitions; i++)
            {
                run();
            }

            fewest = Math.Min(fewest, GC.GetTotalAllocatedBytes(precise: true) - before);
        }

        return fewest;
    }
}
