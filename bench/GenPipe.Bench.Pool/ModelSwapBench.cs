using System.Diagnostics;
using GenPipe.Autoregressive.Gpt2;
using GenPipe.Core.Memory;
using GenPipe.Hosting;

namespace GenPipe.Bench.Pool;

/// <summary>Medians of the load/evict/reload measurement, in milliseconds, and what the pool counted for the model.</summary>
/// <param name="Reps">Repetitions recorded (after one unrecorded).</param>
/// <param name="BudgetBytes">The pool's budget.</param>
/// <param name="ColdLoadMs">Acquire of models/fortune in an empty pool.</param>
/// <param name="ColdFactoryMs">Of the cold load, the time in the factory (reading and preparing the weights).</param>
/// <param name="EvictAndLoadMs">Acquire of a second copy, which evicts the first.</param>
/// <param name="EvictionMs">That acquire less the copy's factory time: the eviction and the pool's bookkeeping.</param>
/// <param name="ReloadMs">Acquire of the first again (evicting the copy): a full load, since an evicted model is gone.</param>
/// <param name="ReloadFactoryMs">Of the reload, the time in the factory.</param>
/// <param name="LoadedAcquireUs">Acquire + release of the model while it is loaded, in microseconds.</param>
/// <param name="CountedBytes">What the pool counts for the loaded model.</param>
/// <param name="WeightBytes">What the loaded network holds for its weights (Module.WeightBytes: parameters and packed matrices).</param>
/// <param name="Loads">Every recorded load's factory time split by its page faults; null when they were all alike.</param>
internal sealed record ModelSwapResult(
    int Reps,
    long BudgetBytes,
    double ColdLoadMs,
    double ColdFactoryMs,
    double EvictAndLoadMs,
    double EvictionMs,
    double ReloadMs,
    double ReloadFactoryMs,
    double LoadedAcquireUs,
    long CountedBytes,
    long WeightBytes,
    LoadSplit? Loads);

/// <summary>
/// Measurement 3: the shipped GPT-2 (models/fortune, the component of fortune.json) loaded, evicted and loaded again
/// through <see cref="ComponentPool"/>. The other big component is the same model from a copied folder (another source,
/// so another identity, of the same size) under a budget that holds one of them. The files are in the page cache
/// after the first repetition, so "cold" means not in the pool, not not on disk.
/// </summary>
internal sealed class ModelSwapBench(BenchOptions options, TextWriter log)
{
    public async Task<ModelSwapResult> RunAsync(CancellationToken cancellationToken)
    {
        await using var services = BenchHost.Services(budget: null);
        var engine = BenchHost.Engine(services);
        string copy = Path.Combine(Path.GetTempPath(), "genpipe-pool-bench-" + Guid.NewGuid().ToString("N"), "fortune-copy");
        try
        {
            var original = engine.LoadFile(BenchHost.FortunePipeline, cancellationToken: cancellationToken).Components.Single(c => c.Name == "model");
            Directory.CreateDirectory(copy);
            foreach (string file in Directory.EnumerateFiles(original.SourcePath!))
            {
                File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
            }

            var other = engine.LoadFile(BenchHost.FortunePipeline, [$"components.model.source={copy}"], cancellationToken).Components.Single(c => c.Name == "model");
            var a = new TimedComponent(original);
            var b = new TimedComponent(other);
            long budget = options.SwapBudget is { } given
                ? MemorySize.Parse(given, "--swap-budget")
                : await CountedBytesAsync(a, services, cancellationToken).ConfigureAwait(false) * 3 / 2;

            var cold = new List<double>();
            var coldFactory = new List<double>();
            var evictAndLoad = new List<double>();
            var eviction = new List<double>();
            var reload = new List<double>();
            var reloadFactory = new List<double>();
            var loadedAcquire = new List<double>();
            var loads = new List<(double Ms, long Faults)>();
            long counted = 0;
            long weights = 0;
            // One unrecorded repetition first: the first load in a process also compiles the loading code.
            for (int rep = -1; rep < options.ModelReps; rep++)
            {
                await using var pool = new ComponentPool(new ComponentPoolOptions { BudgetBytes = budget });

                double coldMs = await AcquireAsync(pool, a, services, cancellationToken).ConfigureAwait(false);
                double coldFactoryMs = a.LastFactoryMs;
                long coldFaults = a.LastFactoryFaults;
                counted = pool.Usage.UsedBytes;
                await using (var lease = await pool.AcquireAsync([a.Component], services, cancellationToken).ConfigureAwait(false))
                {
                    weights = ((Gpt2LanguageModel)lease.Get(a.Component)).Model.WeightBytes();
                }

                double loadedUs = await LoadedAcquireUsAsync(pool, a, services, cancellationToken).ConfigureAwait(false);
                double swapMs = await AcquireAsync(pool, b, services, cancellationToken).ConfigureAwait(false);
                double swapFactoryMs = b.LastFactoryMs;
                long swapFaults = b.LastFactoryFaults;
                RequireEvictions(pool, 1);
                double reloadMs = await AcquireAsync(pool, a, services, cancellationToken).ConfigureAwait(false);
                RequireEvictions(pool, 2);
                if (rep >= 0)
                {
                    log.WriteLine(string.Create(
                        System.Globalization.CultureInfo.InvariantCulture,
                        $"  rep {rep + 1}/{options.ModelReps}: cold {coldMs:0.00} ms (factory {coldFactoryMs:0.00}, {coldFaults} faults), " +
                        $"evict + load {swapMs:0.00} ms (factory {swapFactoryMs:0.00}, {swapFaults} faults), " +
                        $"reload {reloadMs:0.00} ms (factory {a.LastFactoryMs:0.00}, {a.LastFactoryFaults} faults)"));
                    cold.Add(coldMs);
                    coldFactory.Add(coldFactoryMs);
                    evictAndLoad.Add(swapMs);
                    eviction.Add(swapMs - swapFactoryMs);
                    reload.Add(reloadMs);
                    reloadFactory.Add(a.LastFactoryMs);
                    loadedAcquire.Add(loadedUs);
                    loads.AddRange([(coldFactoryMs, coldFaults), (swapFactoryMs, swapFaults), (a.LastFactoryMs, a.LastFactoryFaults)]);
                }
            }

            return new ModelSwapResult(
                options.ModelReps,
                budget,
                Stats.Median(cold),
                Stats.Median(coldFactory),
                Stats.Median(evictAndLoad),
                Stats.Median(eviction),
                Stats.Median(reload),
                Stats.Median(reloadFactory),
                Stats.Median(loadedAcquire),
                counted,
                weights,
                LoadSplit.Of(loads));
        }
        finally
        {
            if (Directory.Exists(Path.GetDirectoryName(copy)))
            {
                Directory.Delete(Path.GetDirectoryName(copy)!, recursive: true);
            }
        }
    }

    // What the pool counts for the component once loaded (its footprint if it reports one, else its estimate).
    private static async Task<long> CountedBytesAsync(TimedComponent component, IServiceProvider services, CancellationToken cancellationToken)
    {
        await using var pool = new ComponentPool(new ComponentPoolOptions { BudgetBytes = long.MaxValue });
        await (await pool.AcquireAsync([component.Component], services, cancellationToken).ConfigureAwait(false)).DisposeAsync().ConfigureAwait(false);
        return pool.Usage.UsedBytes;
    }

    // Milliseconds of one acquire (whatever it loads or evicts); the lease is released after the clock stops.
    private static async Task<double> AcquireAsync(ComponentPool pool, TimedComponent component, IServiceProvider services, CancellationToken cancellationToken)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long start = Stopwatch.GetTimestamp();
        var lease = await pool.AcquireAsync([component.Component], services, cancellationToken).ConfigureAwait(false);
        double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        await lease.DisposeAsync().ConfigureAwait(false);
        return ms;
    }

    private static async Task<double> LoadedAcquireUsAsync(ComponentPool pool, TimedComponent component, IServiceProvider services, CancellationToken cancellationToken)
    {
        const int Calls = 1000;
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < Calls; i++)
        {
            await (await pool.AcquireAsync([component.Component], services, cancellationToken).ConfigureAwait(false)).DisposeAsync().ConfigureAwait(false);
        }

        return Stopwatch.GetElapsedTime(start).TotalMicroseconds / Calls;
    }

    private static void RequireEvictions(ComponentPool pool, long expected)
    {
        if (pool.Usage.Evictions != expected)
        {
            throw new InvalidOperationException(
                $"Expected {expected} eviction(s) under the budget of {pool.BudgetBytes} bytes, the pool made {pool.Usage.Evictions}: " +
                "the budget must hold one copy of the model and not two (--swap-budget).");
        }
    }
}
