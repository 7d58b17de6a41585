using System.Diagnostics;
using GenPipe.Abstractions.Components;
using GenPipe.Core;
using GenPipe.Core.Memory;

namespace GenPipe.Bench.Pool;

/// <summary>One case of the lease measurement: nanoseconds and managed bytes per acquire + release.</summary>
internal sealed record LeaseResult(string Case, int Components, double Nanoseconds, double BytesAllocated);

/// <summary>
/// Measurement 2: what a step pays the pool for components already loaded, <c>AcquireAsync</c> then
/// <c>DisposeAsync</c> of the lease, uncontended, on <see cref="ComponentPool"/> itself. Components are built as
/// ComponentPoolTests builds them (short identities), and once with the three components gaussian-mixture.json
/// declares, whose identities hold their options JSON as the engine's do.
/// </summary>
internal sealed class LeaseBench(BenchOptions options)
{
    private const int Batches = 9;

    public async Task<IReadOnlyList<LeaseResult>> RunAsync(CancellationToken cancellationToken)
    {
        await using var services = BenchHost.Services(budget: null);
        var mixture = BenchHost.Engine(services).LoadFile(BenchHost.MixturePipeline, cancellationToken: cancellationToken);
        var results = new List<LeaseResult>
        {
            await MeasureAsync("test-style", [Component("a")], services, cancellationToken).ConfigureAwait(false),
            await MeasureAsync("test-style", [Component("a"), Component("b"), Component("c")], services, cancellationToken).ConfigureAwait(false),
            await MeasureAsync($"gaussian-mixture.json's ({mixture.Components.Sum(c => c.Identity.Length)} identity chars)", [.. mixture.Components], services, cancellationToken).ConfigureAwait(false),
        };
        return results;
    }

    private async Task<LeaseResult> MeasureAsync(string name, PipelineComponent[] components, IServiceProvider services, CancellationToken cancellationToken)
    {
        await using var pool = new ComponentPool(new ComponentPoolOptions { BudgetBytes = 1L << 30 });
        // Loaded once before timing: the measurement is the lease of loaded components, not their load.
        await (await pool.AcquireAsync(components, services, cancellationToken).ConfigureAwait(false)).DisposeAsync().ConfigureAwait(false);
        await CallsAsync(pool, components, services, options.LeaseCalls, cancellationToken).ConfigureAwait(false);

        var nanoseconds = new List<double>();
        var bytes = new List<double>();
        for (int batch = 0; batch < Batches; batch++)
        {
            long allocated = GC.GetTotalAllocatedBytes(precise: true);
            long start = Stopwatch.GetTimestamp();
            await CallsAsync(pool, components, services, options.LeaseCalls, cancellationToken).ConfigureAwait(false);
            nanoseconds.Add(Stopwatch.GetElapsedTime(start).TotalNanoseconds / options.LeaseCalls);
            bytes.Add((double)(GC.GetTotalAllocatedBytes(precise: true) - allocated) / options.LeaseCalls);
        }

        return new LeaseResult(name, components.Length, Stats.Median(nanoseconds), Stats.Median(bytes));
    }

    private static async Task CallsAsync(ComponentPool pool, PipelineComponent[] components, IServiceProvider services, int calls, CancellationToken cancellationToken)
    {
        for (int i = 0; i < calls; i++)
        {
            var lease = await pool.AcquireAsync(components, services, cancellationToken).ConfigureAwait(false);
            await lease.DisposeAsync().ConfigureAwait(false);
        }
    }

    // As ComponentPoolTests.Component builds them: no source, no options, an estimate, an object for an instance.
    private static PipelineComponent Component(string name) => new(
        name,
        "bench/" + name,
        null,
        new NoOptions(),
        new ComponentDescriptor
        {
            Id = "bench/" + name,
            ContractType = typeof(object),
            EstimateBytes = _ => 1L << 20,
            Factory = (_, _) => ValueTask.FromResult(new object()),
        });
}
