using System.Diagnostics;

namespace GenPipe.Bench.Pool;

/// <summary>Everything one run measured.</summary>
internal sealed record PoolBenchReport(
    string Machine,
    DateTime Date,
    BenchOptions Options,
    MemoryResult Memory,
    OverheadResult Overhead,
    IReadOnlyList<LeaseResult> Leases,
    ModelSwapResult ModelSwap,
    TimeSpan Elapsed);

/// <summary>The four measurements, side by side in one process, memory first (see <see cref="MemoryBench"/>).</summary>
internal static class PoolBench
{
    public static async Task<PoolBenchReport> RunAsync(BenchOptions options, TextWriter log, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        var clock = Stopwatch.StartNew();
        string machine = Machine.Describe();
        log.WriteLine($"machine: {machine}");
        log.WriteLine($"4. memory: three pipelines concurrently for {options.Seconds} s under {options.Budget} (first, so the baseline is a fresh process)");
        var memory = await new MemoryBench(options, log).RunAsync(cancellationToken).ConfigureAwait(false);
        log.WriteLine($"1. overhead: gaussian-mixture.json's diffuse step, count {options.Count}, {options.Steps} steps, {options.Pairs} pairs");
        var overhead = await new OverheadBench(options, log).RunAsync(cancellationToken).ConfigureAwait(false);
        log.WriteLine($"2. leases: {options.LeaseCalls} acquire+release calls per batch");
        var leases = await new LeaseBench(options).RunAsync(cancellationToken).ConfigureAwait(false);
        log.WriteLine($"3. models/fortune: load, evict, reload under {options.SwapBudget ?? "1.5 times its counted bytes"}, {options.ModelReps} repetitions");
        var swap = await new ModelSwapBench(options, log).RunAsync(cancellationToken).ConfigureAwait(false);
        return new PoolBenchReport(machine, DateTime.UtcNow, options, memory, overhead, leases, swap, clock.Elapsed);
    }
}
