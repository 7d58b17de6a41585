using GenPipe.Nn.Models;
using GenPipe.Nn.Tests.Reference;
using GenPipe.Tensors.Cpu;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace GenPipe.Nn.Tests;

[CollectionDefinition(nameof(ZeroAllocationTests), DisableParallelization = true)]
public sealed class ZeroAllocationCollection
{
}

/// <summary>
/// After one warm-up, UNet forwards allocate no managed memory at all: modules reuse their own buffers and views are
/// values. Runs alone (no parallel tests) because the process-wide allocation counter sees every thread.
/// </summary>
/// <remarks>
/// The test host itself allocates on its own threads (about 1.7 KB a second while idle, bursts of kilobytes while it
/// reports the results of the tests that ran before), so the process-wide count is taken over single-forward windows
/// and at least one of up to twelve must be exactly zero; an allocation inside a forward would show in every window. The calling thread's count must be zero in every window. The reference backend runs
/// entirely on the calling thread, so there the calling thread's count is the complete measure.
/// </remarks>
[Collection(nameof(ZeroAllocationTests))]
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
            long smallestTotal = long.MaxValue;
            for (int window = 0; window < (backend is ReferenceBackend ? 1 : 12) && smallestTotal > 0; window++)
            {
                long total = GC.GetTotalAllocatedBytes(precise: true);
                long mine = GC.GetAllocatedBytesForCurrentThread();
                model.Forward(sample, timesteps);
                mine = GC.GetAllocatedBytesForCurrentThread() - mine;
                total = GC.GetTotalAllocatedBytes(precise: true) - total;
                output.WriteLine($"{backend.GetType().Name}, {threads} thread(s), forward {window}: {total} bytes in the process, {mine} on the calling thread");
                mine.ShouldBe(0, "bytes allocated on the calling thread by one forward");
                smallestTotal = Math.Min(smallestTotal, total);
            }

            if (backend is not ReferenceBackend)
            {
                smallestTotal.ShouldBe(0, "bytes allocated in the process by the quietest forward");
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
