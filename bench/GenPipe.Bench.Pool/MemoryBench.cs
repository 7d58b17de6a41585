using System.Diagnostics;
using GenPipe.Core;
using GenPipe.Core.Memory;

namespace GenPipe.Bench.Pool;

/// <summary>How often one of the concurrent pipelines ran, and its median run time (waits for the pool included).</summary>
internal sealed record JobRuns(string Job, int Runs, double MedianMs);

/// <summary>What the process held while three pipelines ran concurrently under a budget.</summary>
/// <param name="Baseline">After start-up, plugins loaded and pipelines compiled, nothing run, after a full collection.</param>
/// <param name="PeakSampled">The highest resident set the sampler saw.</param>
/// <param name="PeakKernelBytes">The kernel's peak (VmHWM) over the runs, or null where it cannot be restarted.</param>
/// <param name="Pool">The pool after the runs: its peak, loads and evictions.</param>
/// <param name="Runs">Runs completed per pipeline.</param>
/// <param name="ModelSourceBytes">The pipelines' model folders on disk together: what the pool counts for them before they load.</param>
/// <param name="Seconds">How long the pipelines ran.</param>
/// <param name="Samples">How many times the sampler read the resident set.</param>
/// <param name="SampleIntervalMs">The sampler's mean interval, as achieved.</param>
/// <param name="BaselineCommittedBytes">What the GC had committed at the baseline.</param>
/// <param name="CommittedBytes">What the GC had committed at the end (managed heap, including free space it keeps).</param>
internal sealed record MemoryResult(
    Resident Baseline,
    Resident PeakSampled,
    long? PeakKernelBytes,
    ComponentPoolUsage Pool,
    IReadOnlyList<JobRuns> Runs,
    long ModelSourceBytes,
    double Seconds,
    int Samples,
    double SampleIntervalMs,
    long BaselineCommittedBytes,
    long CommittedBytes)
{
    /// <summary>The higher of the two peaks: the sampler can miss a short one, the kernel cannot.</summary>
    public long PeakBytes => Math.Max(PeakSampled.Bytes, PeakKernelBytes ?? 0);

    /// <summary>What the process held above its baseline and above everything the pool may count: the fixed overhead.</summary>
    public long OverheadBytes => PeakBytes - Baseline.Bytes - Pool.BudgetBytes;
}

/// <summary>
/// Measurement 4: the process's peak resident memory while fortune.json, fortune.json on models/fortune-draft and
/// gaussian-mixture.json run concurrently, over and over, under a budget smaller than their models together, against
/// that budget. It runs first in the process, so that its baseline is a fresh app's.
/// </summary>
internal sealed class MemoryBench(BenchOptions options, TextWriter log)
{
    private const int SampleIntervalMs = 2;

    private static readonly (string Name, string Pipeline, string[] Overrides)[] Jobs =
    [
        ("fortune.json", "fortune.json", []),
        ("fortune.json on fortune-draft", "fortune.json", ["components.model.source=../models/fortune-draft"]),
        ("gaussian-mixture.json", "gaussian-mixture.json", []),
    ];

    public async Task<MemoryResult> RunAsync(CancellationToken cancellationToken)
    {
        string scratch = Path.Combine(Path.GetTempPath(), "genpipe-pool-bench-" + Guid.NewGuid().ToString("N"));
        await using var services = BenchHost.Services(options.Budget);
        var engine = BenchHost.Engine(services);
        // Compiled (not run) before the baseline, so the baseline holds what an app holds once it is ready to run.
        var compiled = Jobs.Select(job => engine.LoadFile(Path.Combine(BenchHost.PipelinesFolder, job.Pipeline), job.Overrides, cancellationToken)).ToArray();
        long modelBytes = compiled.SelectMany(p => p.Components).Select(c => c.SourcePath).OfType<string>().Distinct(StringComparer.Ordinal).Sum(FolderBytes);

        // The three runs compute on pool threads and hold them; with the default minimum (one per core) the third would
        // wait for the pool's thread injection, about a second, instead of running alongside from the start.
        ThreadPool.GetMinThreads(out int workers, out int completion);
        ThreadPool.SetMinThreads(Math.Max(workers, Environment.ProcessorCount + Jobs.Length), completion);

        FullCollection();
        await Task.Delay(200, cancellationToken).ConfigureAwait(false);
        var baseline = ProcMemory.Now();
        long baselineCommitted = GC.GetGCMemoryInfo().TotalCommittedBytes;
        bool kernelPeak = ProcMemory.TryResetPeak();
        var runs = new int[Jobs.Length];
        var runMs = Jobs.Select(_ => new List<double>()).ToArray();
        var clock = Stopwatch.StartNew();
        MemoryResult result;
        try
        {
            using (var sampler = new RssSampler(SampleIntervalMs))
            {
                await Task.WhenAll(Jobs.Select((job, i) => Task.Run(
                    async () =>
                    {
                        // At least one run each, however late a job starts.
                        do
                        {
                            // A new seed each run: an unchanged run would be answered from the kept step outputs.
                            var pipeline = engine.LoadFile(Path.Combine(BenchHost.PipelinesFolder, job.Pipeline), [.. job.Overrides, $"seed={runs[i] + 1}"], cancellationToken);
                            string output = Path.Combine(scratch, i.ToString(System.Globalization.CultureInfo.InvariantCulture), runs[i].ToString(System.Globalization.CultureInfo.InvariantCulture));
                            long start = Stopwatch.GetTimestamp();
                            await engine.RunAsync(pipeline, new PipelineRunOptions { OutputDirectory = output }, cancellationToken: cancellationToken).ConfigureAwait(false);
                            runMs[i].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                            if (Directory.Exists(output))
                            {
                                Directory.Delete(output, recursive: true);
                            }

                            runs[i]++;
                        }
                        while (clock.Elapsed.TotalSeconds < options.Seconds);
                    },
                    cancellationToken))).ConfigureAwait(false);
                sampler.Dispose();
                result = new MemoryResult(
                    baseline,
                    sampler.Peak,
                    kernelPeak ? ProcMemory.KernelPeakBytes() : null,
                    engine.Pool.Usage,
                    [.. Jobs.Select((job, i) => new JobRuns(job.Name, runs[i], runMs[i].Count == 0 ? 0 : Stats.Median(runMs[i])))],
                    modelBytes,
                    clock.Elapsed.TotalSeconds,
                    sampler.Samples,
                    sampler.MeanIntervalMs,
                    baselineCommitted,
                    GC.GetGCMemoryInfo().TotalCommittedBytes);
            }
        }
        finally
        {
            if (Directory.Exists(scratch))
            {
                Directory.Delete(scratch, recursive: true);
            }
        }

        log.WriteLine($"  {string.Join(", ", result.Runs.Select(r => $"{r.Job}: {r.Runs} runs, median {r.MedianMs:0} ms"))} in {result.Seconds:0.0} s; {result.Samples} samples");
        return result;
    }

    private static long FolderBytes(string path) =>
        Directory.Exists(path) ? new DirectoryInfo(path).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length) : 0;

    // Everything collectable collected and given back to the system, as the pool does after a large eviction.
    private static void FullCollection()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }
}
