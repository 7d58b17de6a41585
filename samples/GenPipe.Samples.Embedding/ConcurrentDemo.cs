using System.Security.Cryptography;
using System.Text;
using GenPipe.Abstractions.Models;
using GenPipe.Autoregressive;
using GenPipe.Core;
using GenPipe.Core.Memory;
using GenPipe.Diffusion;
using GenPipe.Sampling;
using GenPipe.Schedulers;
using GenPipe.Tensors;
using Microsoft.Extensions.DependencyInjection;

namespace GenPipe.Samples.Embedding;

/// <summary>What the concurrent demo observed.</summary>
/// <param name="Runs">Runs made concurrently.</param>
/// <param name="Mismatches">Runs whose outputs differed from the same run made alone (0 expected).</param>
/// <param name="Usage">The pool after the concurrent runs: peak, loads, evictions.</param>
/// <param name="RefusalMessage">What a run under a far too small budget was told.</param>
public sealed record ConcurrentReport(int Runs, int Mismatches, ComponentPoolUsage Usage, string RefusalMessage);

/// <summary>
/// Several pipelines run at once on one engine whose memory budget is smaller than their models together: a streamed
/// fortune, a second fortune on another model, a third on the first model again, and two diffusion runs. Each output
/// is compared, bit for bit, with the same run made alone.
/// </summary>
public static class ConcurrentDemo
{
    /// <summary>One run: a pipeline, its overrides, and whether its tokens are streamed.</summary>
    private sealed record Job(string Pipeline, string[] Overrides, bool Stream);

    public static async Task<ConcurrentReport> RunAsync(string pipelinesFolder, string budget, int rounds, TextWriter log, CancellationToken cancellationToken = default)
    {
        string fortune = Path.Combine(pipelinesFolder, "fortune.json");
        string mixture = Path.Combine(pipelinesFolder, "gaussian-mixture.json");
        Job[] jobs =
        [
            new(fortune, ["seed=1", "max_tokens=40"], Stream: true),
            new(fortune, ["seed=2", "max_tokens=40", "components.model.source=../models/fortune-draft"], Stream: false),
            new(fortune, ["seed=3", "max_tokens=40"], Stream: false),
            new(mixture, ["seed=0", "steps=10", "count=300"], Stream: false),
            new(mixture, ["seed=1", "steps=10", "count=300"], Stream: false),
        ];
        string scratch = Path.Combine(Path.GetTempPath(), "genpipe-concurrent-" + Guid.NewGuid().ToString("N"));
        try
        {
            // 1. Each run alone, without a budget: the reference.
            var alone = new string[jobs.Length];
            await using (var provider = Services(budget: null))
            {
                var engine = provider.GetRequiredService<PipelineEngine>();
                for (int i = 0; i < jobs.Length; i++)
                {
                    alone[i] = await RunAsync(engine, jobs[i], Path.Combine(scratch, "alone", i.ToString()), cancellationToken);
                }
            }

            // 2. All at once, several rounds, under the budget.
            int mismatches = 0;
            ComponentPoolUsage usage;
            await using (var provider = Services(budget))
            {
                var engine = provider.GetRequiredService<PipelineEngine>();
                for (int round = 0; round < rounds; round++)
                {
                    var together = await Task.WhenAll(jobs.Select((job, i) =>
                        Task.Run(() => RunAsync(engine, job, Path.Combine(scratch, $"round{round}", i.ToString()), cancellationToken), cancellationToken)));
                    for (int i = 0; i < jobs.Length; i++)
                    {
                        if (together[i] != alone[i])
                        {
                            mismatches++;
                            log.WriteLine($"round {round}: {Path.GetFileName(jobs[i].Pipeline)} {string.Join(' ', jobs[i].Overrides)} differed from the same run alone");
                        }
                    }
                }

                usage = engine.Pool.Usage;
            }

            log.WriteLine($"{rounds * jobs.Length} concurrent runs under a budget of {budget}: {mismatches} differed from the same run alone; " +
                $"pool peak {usage.PeakBytes} bytes of {usage.BudgetBytes}, {usage.Loads} loads, {usage.Evictions} evictions");

            // 3. A budget no model fits in: refused, naming the budget and what the step needs.
            string refusal;
            await using (var provider = Services("1MB"))
            {
                var engine = provider.GetRequiredService<PipelineEngine>();
                try
                {
                    await RunAsync(engine, jobs[0], Path.Combine(scratch, "refused"), cancellationToken);
                    refusal = "";
                }
                catch (PipelineValidationException refused)
                {
                    // Refused when the pipeline is loaded, before anything runs: the step's model alone needs more.
                    refusal = refused.Message;
                }
            }

            log.WriteLine(refusal);
            return new ConcurrentReport(rounds * jobs.Length, mismatches, usage, refusal);
        }
        finally
        {
            if (Directory.Exists(scratch))
            {
                Directory.Delete(scratch, recursive: true);
            }
        }
    }

    private static ServiceProvider Services(string? budget)
    {
        var services = new ServiceCollection();
        services.AddGenPipe(o => o.MemoryBudget = budget)
            .AddPlugin<SchedulersPlugin>()
            .AddPlugin<DiffusionPlugin>()
            .AddPlugin<SamplingPlugin>()
            .AddPlugin<AutoregressivePlugin>();
        return services.BuildServiceProvider();
    }

    // Runs one job and returns a fingerprint of its outputs (SHA-256 of every float's bits, or of the text).
    private static async Task<string> RunAsync(PipelineEngine engine, Job job, string output, CancellationToken cancellationToken)
    {
        var pipeline = engine.LoadFile(job.Pipeline, job.Overrides, cancellationToken);
        var options = new PipelineRunOptions { OutputDirectory = output };
        if (job.Stream)
        {
            var streamed = new StringBuilder();
            await foreach (var token in engine.StreamAsync<GeneratedToken>(pipeline, options, cancellationToken))
            {
                streamed.Append(token.Text);
            }

            return Fingerprint(streamed.ToString());
        }

        var result = await engine.RunAsync(pipeline, options, cancellationToken: cancellationToken);
        return Fingerprint(result.Outputs.TryGetValue("samples", out var samples) ? samples : result.Outputs["text"]);
    }

    private static string Fingerprint(object output)
    {
        byte[] bytes = output switch
        {
            Tensor tensor => System.Runtime.InteropServices.MemoryMarshal.AsBytes(tensor.View.ToArray().AsSpan()).ToArray(),
            GeneratedText text => Encoding.UTF8.GetBytes(string.Concat(text.Continuations)),
            string text => Encoding.UTF8.GetBytes(text),
            _ => throw new InvalidOperationException($"No fingerprint for a {output.GetType().Name}."),
        };
        return Convert.ToHexString(SHA256.HashData(bytes));
    }
}
