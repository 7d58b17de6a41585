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
/// The test host itself allocates on its own thread-pool threads now and then (168 bytes per work item, measured), and
/// neither the modules nor the kernels use the thread pool; so the process-wide count must be exactly zero in every
/// single-forward window during which no thread-pool item completed, and there must be such windows. The calling thread's count must be zero in every window. The reference backend runs
/// entirely on the calling thread, so there the calling thread's count is the complete measure.
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
            int windows = backend is ReferenceBackend ? 1 : 80;
            long[] totals = new long[windows];
            long[] mine = new long[windows];
            long[] hostWork = new long[windows];
            int quiet = 0;
            int measured = 0;
            while (measured < windows && quiet < 3)
            {
                long pool = ThreadPool.CompletedWorkItemCount;
                long total = GC.GetTotalAllocatedBytes(precise: true);
                long calling = GC.GetAllocatedBytesForCurrentThread();
                model.Forward(sample, timesteps);
                mine[measured] = GC.GetAllocatedBytesForCurrentThread() - calling;
                totals[measured] = GC.GetTotalAllocatedBytes(precise: true) - total;
                hostWork[measured] = ThreadPool.CompletedWorkItemCount - pool;
                quiet += hostWork[measured] == 0 ? 1 : 0;
                measured++;
            }

            for (int w = 0; w < measured; w++)
            {
                output.WriteLine(
                    $"{backend.GetType().Name}, {threads} thread(s), forward {w}: {totals[w]} bytes in the process, " +
                    $"{mine[w]} on the calling thread, {hostWork[w]} host thread-pool items");
            }

            mine.ShouldAllBe(bytes => bytes == 0, "bytes allocated on the calling thread by each forward");
            if (backend is not ReferenceBackend)
            {
                quiet.ShouldBeGreaterThan(0, "forwards during which the host ran no thread-pool work");
                Enumerable.Range(0, measured).Where(w => hostWork[w] == 0).Select(w => totals[w])
                    .ShouldAllBe(bytes => bytes == 0, "bytes allocated in the process by forwards while the host was quiet");
            }

            // The buffers reused by the measured forwards still give PyTorch's numbers.
            Fixtures.ShouldMatch(model.Forward(sample, timesteps), file, "output", 1e-4);
        }
        finally
        {
            CpuBackend.Shared.Workers.Threads = previous;
        }
    }
}
