using GenPipe.Nn.Models;
using GenPipe.Nn.Tests.Reference;
using GenPipe.Tensors.Cpu;
using GenPipe.Testing;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace GenPipe.Nn.Tests;

/// <summary>
/// After one warm-up, UNet forwards allocate no managed memory at all: modules reuse their own buffers and views are
/// values. Runs alone (no parallel tests) because the process-wide allocation counter sees every thread.
/// </summary>
/// <remarks>
/// The test host allocates on its own thread-pool threads now and then (168 bytes per work item, measured; on a loaded
/// machine during every forward), so two counts are asserted: the counters of the threads that compute the forward
/// (the caller and the CPU workers, read on each thread) must not move at all, and the process-wide
/// <c>GC.GetTotalAllocatedBytes(precise: true)</c> must be exactly zero in every forward during which no thread-pool
/// item completed.
/// </remarks>
[Collection(AllocationMeasurement.Name)]
public sealed class ZeroAllocationTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void SmallUNet_forwards_after_warm_up_allocate_nothing(int threads)
    {
        var file = Fixtures.Load("small_unet_reduced");
        var backend = TestBackends.Fastest;
        var model = SmallUNet.Load(SmallUNetTests.Reduced, Fixtures.Weights(file), backend, "w.");
        var sample = file.Tensor("input");
        float[] timesteps = file.Floats("timesteps");
        int previous = CpuBackend.Shared.Workers.Threads;
        CpuBackend.Shared.Workers.Threads = threads;
        try
        {
            model.Forward(sample, timesteps);
            model.Forward(sample, timesteps);
            // Results are written only after the loop: xunit formats output on another thread, which would count.
            var probe = new WorkerAllocationProbe(CpuBackend.Shared.Workers);
            probe.Read();
            const int windows = 5;
            long[] totals = new long[windows];
            long[] working = new long[windows];
            long[] hostWork = new long[windows];
            for (int w = 0; w < windows; w++)
            {
                long pool = ThreadPool.CompletedWorkItemCount;
                long total = GC.GetTotalAllocatedBytes(precise: true);
                long threadsBefore = probe.Read();
                model.Forward(sample, timesteps);
                working[w] = probe.Read() - threadsBefore;
                totals[w] = GC.GetTotalAllocatedBytes(precise: true) - total;
                hostWork[w] = ThreadPool.CompletedWorkItemCount - pool;
            }

            for (int w = 0; w < windows; w++)
            {
                output.WriteLine(
                    $"{backend.GetType().Name}, {threads} thread(s), forward {w}: {totals[w]} bytes in the process, " +
                    $"{working[w]} on the computing threads, {hostWork[w]} host thread-pool items");
            }

            working.ShouldAllBe(bytes => bytes == 0, "bytes allocated by each forward on the threads that compute it");
            Enumerable.Range(0, windows).Where(w => hostWork[w] == 0).Select(w => totals[w])
                .ShouldAllBe(bytes => bytes == 0, "bytes allocated in the process by forwards while the host was quiet");

            // The buffers reused by the measured forwards still give PyTorch's numbers.
            Fixtures.ShouldMatch(model.Forward(sample, timesteps), file, "output", 1e-4);
        }
        finally
        {
            CpuBackend.Shared.Workers.Threads = previous;
        }
    }
}
