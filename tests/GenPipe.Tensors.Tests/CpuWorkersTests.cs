using GenPipe.Tensors.Threading;
using Shouldly;
using Xunit;

namespace GenPipe.Tensors.Tests;

[Collection(GenPipe.Testing.AllocationMeasurement.Name)] // its dispatch test reads the process-wide allocation counter
public class CpuWorkersTests
{
    private sealed class SumOfSquares : IParallelWork
    {
        public long[] Results = [];

        public void Execute(int index) => Results[index] = (long)index * index;
    }

    private sealed class Failing : IParallelWork
    {
        public void Execute(int index)
        {
            if (index == 7)
            {
                throw new InvalidOperationException("chunk 7");
            }
        }
    }

    [Fact]
    public void Every_chunk_runs_once_across_many_regions_and_thread_counts()
    {
        var workers = new CpuWorkers(4);
        var work = new SumOfSquares();
        for (int round = 0; round < 500; round++)
        {
            workers.Threads = 1 + (round % 4);
            int count = 1 + (round % 37);
            work.Results = new long[count];
            workers.For(count, work);
            work.Results.Sum().ShouldBe(Enumerable.Range(0, count).Sum(i => (long)i * i));
        }
    }

    private sealed class Counting : IParallelWork
    {
        public int[] Runs = [];

        public void Execute(int index) => Interlocked.Increment(ref Runs[index]);
    }

    [Fact]
    public void Regions_closed_before_sleeping_workers_join_still_run_every_chunk_exactly_once()
    {
        // Tiny regions, some right after the workers fell asleep: the caller often finishes every chunk and closes the
        // region before a worker wakes; that worker must skip it, and later regions must not be disturbed by it.
        var workers = new CpuWorkers(3);
        var work = new Counting();
        for (int round = 0; round < 3000; round++)
        {
            if (round % 500 == 0)
            {
                Thread.Sleep(30); // long enough for the workers to stop spinning and block
            }

            int count = 2 + (round % 5);
            work.Runs = new int[count];
            workers.For(count, work);
            work.Runs.ShouldAllBe(runs => runs == 1, $"round {round}");
        }
    }

    [Fact]
    public void A_failing_chunk_is_rethrown_to_the_caller()
    {
        var workers = new CpuWorkers(2);
        Should.Throw<InvalidOperationException>(() => workers.For(16, new Failing())).Message.ShouldBe("chunk 7");
        var work = new SumOfSquares { Results = new long[5] };
        workers.For(5, work); // still usable afterwards
        work.Results.Sum().ShouldBe(30);
    }

    [Fact]
    public void A_dispatch_allocates_nothing_after_warm_up()
    {
        var workers = new CpuWorkers(2);
        var work = new SumOfSquares { Results = new long[64] };
        // Process-wide count, workers included; the test host allocates now and then, so one clean window is the evidence.
        GenPipe.Testing.AllocationProbe.FewestBytes(() => workers.For(64, work), repetitions: 50, windows: 40).ShouldBe(0);
    }
}
