using GenPipe.Nn.Models.UNet2DCondition;
using GenPipe.Tensors.Cpu;
using GenPipe.Testing;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace GenPipe.Nn.Tests.Diffusers;

/// <summary>
/// After one warm-up, <see cref="UNet2DConditionModel"/> forwards allocate no managed memory: every activation lives in
/// module buffers. Measured as <see cref="ZeroAllocationTests"/> measures the SmallUNet (the computing threads' own
/// counters must not move; the process-wide count must be zero while the test host's thread pool was quiet).
/// </summary>
[Collection(AllocationMeasurement.Name)]
public sealed class UNet2DConditionAllocationTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Unet_tiny_forwards_after_warm_up_allocate_nothing(int threads)
    {
        string folder = Sd15Fixtures.Folder("unet_tiny");
        var model = UNet2DConditionModel.Load(folder, TestBackends.Fastest);
        var io = UNet2DConditionTests.IoFile(folder);
        var sample = io.Tensor("sample");
        var context = io.Tensor("encoder_hidden_states");
        float[] perRow = UNet2DConditionTests.Timesteps(io, "tbatch_10_999");
        float[] broadcast = UNet2DConditionTests.Timesteps(io, "t10");
        int previous = CpuBackend.Shared.Workers.Threads;
        CpuBackend.Shared.Workers.Threads = threads;
        try
        {
            model.Forward(sample, broadcast, context);
            model.Forward(sample, perRow, context);
            var probe = new WorkerAllocationProbe(CpuBackend.Shared.Workers);
            probe.Read();
            const int windows = 6;
            long[] totals = new long[windows];
            long[] working = new long[windows];
            long[] hostWork = new long[windows];
            for (int w = 0; w < windows; w++)
            {
                // Both timestep forms: one per row, and one broadcast to the batch.
                float[] timesteps = w % 2 == 0 ? perRow : broadcast;
                long pool = ThreadPool.CompletedWorkItemCount;
                long total = GC.GetTotalAllocatedBytes(precise: true);
                long threadsBefore = probe.Read();
                model.Forward(sample, timesteps, context);
                working[w] = probe.Read() - threadsBefore;
                totals[w] = GC.GetTotalAllocatedBytes(precise: true) - total;
                hostWork[w] = ThreadPool.CompletedWorkItemCount - pool;
            }

            for (int w = 0; w < windows; w++)
            {
                output.WriteLine($"{threads} thread(s), forward {w}: {totals[w]} bytes in the process, {working[w]} on the computing threads, {hostWork[w]} host thread-pool items");
            }

            working.ShouldAllBe(bytes => bytes == 0, "bytes allocated by each forward on the threads that compute it");
            Enumerable.Range(0, windows).Where(w => hostWork[w] == 0).Select(w => totals[w])
                .ShouldAllBe(bytes => bytes == 0, "bytes allocated in the process by forwards while the host was quiet");
            UNet2DConditionTests.ShouldMatchAbsolutely(model.Forward(sample, perRow, context), io, "tbatch_10_999.out");
        }
        finally
        {
            CpuBackend.Shared.Workers.Threads = previous;
        }
    }
}
