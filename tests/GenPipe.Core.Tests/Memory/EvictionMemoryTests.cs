using System.Diagnostics;
using GenPipe.Abstractions.Components;
using GenPipe.Core.Memory;
using GenPipe.Core.Tests.Fakes;
using Shouldly;
using Xunit;

namespace GenPipe.Core.Tests.Memory;

/// <summary>Eviction measured by the process's memory, not the pool's counters.</summary>
[Collection(ProcessWideState.Name)]
public sealed class EvictionMemoryTests
{
    private const long WeightBytes = 256L << 20;

    [Fact]
    public async Task Evicting_a_model_returns_its_memory_to_the_system_before_the_next_one_loads()
    {
        await using var pool = new ComponentPool(new ComponentPoolOptions { BudgetBytes = WeightBytes + (WeightBytes / 2) });
        // A tight baseline: free memory earlier tests left committed would otherwise absorb part of the first model.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        long baseline = WorkingSet();

        await (await pool.AcquireAsync([Weights("first")], new EmptyServices(), CancellationToken.None)).DisposeAsync();
        long withFirst = WorkingSet();
        await using var second = await pool.AcquireAsync([Weights("second")], new EmptyServices(), CancellationToken.None);
        long withSecond = WorkingSet();

        pool.Usage.Evictions.ShouldBe(1);
        (withFirst - baseline).ShouldBeGreaterThan(WeightBytes * 9 / 10, "the first model's weights are resident");
        // Had the first model stayed reachable, the process would hold both: about 512 MiB over the baseline.
        (withSecond - baseline).ShouldBeLessThan(WeightBytes + (64L << 20), $"baseline {baseline >> 20} MiB, one model {withFirst >> 20} MiB, after the swap {withSecond >> 20} MiB");
    }

    private static PipelineComponent Weights(string name) => ComponentPoolTests.Component(
        name, WeightBytes, () => Task.FromResult<object>(new ManagedWeights(WeightBytes)));

    // What the pool sees right now, with no collection of our own first: the pool must have collected on eviction.
    private static long WorkingSet()
    {
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64;
    }

    /// <summary>Weights in managed arrays, as GenPipe.Nn holds them, every page touched.</summary>
    private sealed class ManagedWeights : IMemoryFootprint
    {
        private readonly float[][] _chunks;

        public ManagedWeights(long bytes)
        {
            _chunks = new float[(int)(bytes / (16L << 20))][];
            for (int i = 0; i < _chunks.Length; i++)
            {
                _chunks[i] = new float[(16 << 20) / sizeof(float)];
                _chunks[i].AsSpan().Fill(i + 1);
            }
        }

        public IReadOnlyList<DeviceMemory> MemoryFootprint => [new("cpu", _chunks.Sum(c => (long)c.Length * sizeof(float)), 0)];
    }
}
