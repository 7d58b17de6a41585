using GenPipe.Autoregressive.Gpt2;
using GenPipe.Tensors.Cpu;
using GenPipe.Testing;
using Shouldly;
using Xunit;

using GenPipe.Nn;
using GenPipe.Nn.Tests;

namespace GenPipe.Autoregressive.Tests.Gpt2;

/// <summary>A cached one-token decoding step of the tiny GPT-2 allocates no managed memory after a warm-up.</summary>
[Collection(AllocationMeasurement.Name)]
public sealed class Gpt2AllocationTests
{
    [Fact]
    public void Decoding_steps_after_warm_up_allocate_nothing_on_the_computing_thread()
    {
        var file = Fixtures.Load("gpt2_tiny");
        var model = new Gpt2Model(Gpt2Config.Parse(file.Metadata["config"]));
        model.LoadWeights(Fixtures.Weights(file), TestBackends.Fastest, "w.");
        int[] prompt = file.Longs("ids").Select(v => (int)v).ToArray();
        int[] step = [prompt[0], prompt[7]];
        using var cache = model.CreateCache(2);
        int previous = CpuBackend.Shared.Workers.Threads;
        CpuBackend.Shared.Workers.Threads = 1; // every kernel then runs on this thread, whose counter is exact
        try
        {
            model.Forward(prompt, 2, cache);
            model.Forward(step, 2, cache);
            var allocated = new long[4];
            for (int i = 0; i < allocated.Length; i++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                model.Forward(step, 2, cache);
                allocated[i] = GC.GetAllocatedBytesForCurrentThread() - before;
            }

            cache.Length.ShouldBe(7 + 1 + 4);
            allocated.ShouldAllBe(bytes => bytes == 0);
        }
        finally
        {
            CpuBackend.Shared.Workers.Threads = previous;
        }
    }
}
