using GenPipe.Autoregressive;
using GenPipe.Core;
using GenPipe.Diffusion;
using GenPipe.Samples.Embedding;
using GenPipe.Sampling;
using GenPipe.Schedulers;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;

namespace GenPipe.Embedding.Tests;

/// <summary>Several pipelines on one engine at once, under a memory budget smaller than their models together.</summary>
[Collection(MemoryMeasurement.Name)]
public sealed class ConcurrentRunsTests
{
    private static readonly string Pipelines = Path.Combine(AppContext.BaseDirectory, "pipelines");

    [Fact]
    public async Task Concurrent_runs_under_a_tight_budget_equal_the_same_runs_made_alone_bit_for_bit()
    {
        // The two GPT-2 models hold 13.9 MiB and 0.9 MiB once loaded (weights and packed matrices): 14.5 MiB fits
        // either, not both, so the pool must evict.
        using var log = new StringWriter();
        var report = await ConcurrentDemo.RunAsync(Pipelines, "14.5MB", rounds: 3, log);

        report.Runs.ShouldBe(15);
        report.Mismatches.ShouldBe(0, log.ToString());
        report.Usage.Evictions.ShouldBeGreaterThan(0, "the budget is smaller than the models together");
        report.Usage.PeakBytes.ShouldBeLessThanOrEqualTo(15_204_352);
        report.Usage.LeasedBytes.ShouldBe(0, "every lease ends with its step");
        // Refused when loaded, before anything runs: the model's size is estimated from its weights file's header.
        report.RefusalMessage.ShouldContain(
            "error at $.steps[0].with: step 'text' uses components that need about 14.1 MiB at once ('model' (model/gpt2) 14.1 MiB), " +
            "more than the memory budget (setting MemoryBudget, --memory-budget), 1 MiB; raise the budget or use smaller models");
    }

    [Fact]
    public async Task Hundreds_of_runs_with_random_cancellation_neither_leak_nor_deadlock()
    {
        var services = new ServiceCollection();
        services.AddGenPipe(o => o.MemoryBudget = "14.5MB")
            .AddPlugin<SchedulersPlugin>().AddPlugin<DiffusionPlugin>().AddPlugin<SamplingPlugin>().AddPlugin<AutoregressivePlugin>();
        await using var provider = services.BuildServiceProvider();
        var engine = provider.GetRequiredService<PipelineEngine>();
        string output = Path.Combine(Path.GetTempPath(), "genpipe-stress-" + Guid.NewGuid().ToString("N"));
        var random = new Random(1234);
        // Every run a new seed, so nothing comes from the step cache and every run loads or leases its models.
        CompiledPipeline[] Pipelines(int seed) =>
        [
            engine.LoadFile(Path.Combine(ConcurrentRunsTests.Pipelines, "fortune.json"), [$"seed={seed}", "max_tokens=6"]),
            engine.LoadFile(Path.Combine(ConcurrentRunsTests.Pipelines, "fortune.json"), [$"seed={seed}", "max_tokens=6", "components.model.source=../models/fortune-draft"]),
            engine.LoadFile(Path.Combine(ConcurrentRunsTests.Pipelines, "gaussian-mixture.json"), [$"seed={seed}", "steps=4", "count=64"]),
        ];

        async Task<int> Batch(int first, int runs)
        {
            int cancelled = 0;
            var tasks = Enumerable.Range(first, runs).Select(async seed =>
            {
                var pipeline = Pipelines(seed)[seed % 3];
                using var cancel = new CancellationTokenSource();
                int delay;
                lock (random)
                {
                    delay = random.Next(0, 4) == 0 ? random.Next(0, 20) : -1;
                }

                if (delay >= 0)
                {
                    cancel.CancelAfter(delay);
                }

                try
                {
                    await engine.RunAsync(pipeline, new PipelineRunOptions { OutputDirectory = Path.Combine(output, seed.ToString()) }, cancellationToken: cancel.Token);
                }
                catch (OperationCanceledException)
                {
                    Interlocked.Increment(ref cancelled);
                }
            });
            await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromMinutes(3)); // a deadlock fails here instead of hanging
            return cancelled;
        }

        try
        {
            await Batch(0, 60); // warm-up: JIT, pools, first loads
            long before = MemoryMeasurement.SettledWorkingSet();
            int cancelled = 0;
            for (int round = 0; round < 4; round++)
            {
                cancelled += await Batch(100 + (round * 60), 60);
            }

            long after = MemoryMeasurement.SettledWorkingSet();
            cancelled.ShouldBeGreaterThan(0, "some runs were cancelled midway");
            engine.Pool.Usage.LeasedBytes.ShouldBe(0, "cancelled runs released their leases");
            engine.Pool.Usage.PeakBytes.ShouldBeLessThanOrEqualTo(15_204_352);
            (after - before).ShouldBeLessThan(48L << 20, $"working set {before >> 20} MiB after warm-up, {after >> 20} MiB after 240 more runs");
        }
        finally
        {
            if (Directory.Exists(output))
            {
                Directory.Delete(output, recursive: true);
            }
        }
    }
}

/// <summary>Tests that measure the process's memory, and so run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryMeasurement
{
    public const string Name = "memory measurement";

    /// <summary>The working set after a full, compacting collection that returns free memory to the system.</summary>
    public static long SettledWorkingSet()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        return process.WorkingSet64;
    }
}
