using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using GenPipe.Core;
using GenPipe.Diffusion.Diffuse;
using GenPipe.Tensors;

namespace GenPipe.Bench.Pool;

/// <summary>
/// Measurement 1: what running a step through the engine costs over calling the same components by hand. The engine
/// runs gaussian-mixture.json with its decode and save steps removed, because the hand loop does what the diffuse
/// operator does and nothing else: decode copies the samples and save writes two files, work (and disk time) that
/// is the same with or without the engine. The whole pipeline is timed too, for scale.
/// </summary>
/// <remarks>
/// On a noisy VM the full-size difference is smaller than the noise, so the engine's own cost is also measured where
/// it is not drowned: the same two sides at one sample and one step, many pairs. That cost does not grow with the
/// steps (they run inside the operator, as in the hand loop), and what grows with the sample count (the engine scans
/// the output for NaN and sizes it for the pool) is a pass over the output, against fifty passes of the model per run.
/// </remarks>
internal sealed class OverheadBench(BenchOptions options, TextWriter log)
{
    private const string DiffuseStepOnly = " (diffuse step only)";
    private const int FixedCostPairs = 300;

    public async Task<OverheadResult> RunAsync(CancellationToken cancellationToken)
    {
        await using var services = BenchHost.Services(budget: null);
        // Output in a folder of its own: each run looks for stale staging folders beside the output folder, and the
        // cost of that scan grows with what the parent holds (the temp folder's thousand entries here), not with the engine.
        string scratch = Path.Combine(Path.GetTempPath(), "genpipe-pool-bench-" + Guid.NewGuid().ToString("N"));
        var sides = new Sides(BenchHost.Engine(services), services, await File.ReadAllTextAsync(BenchHost.MixturePipeline, cancellationToken).ConfigureAwait(false), new PipelineRunOptions { OutputDirectory = Path.Combine(scratch, "out") });
        try
        {
            var full = await PairsAsync(sides, options.Count, options.Steps, options.Pairs, whole: true, cancellationToken).ConfigureAwait(false);
            var tiny = await PairsAsync(sides, count: 1, steps: 1, options.Quick ? 20 : FixedCostPairs, whole: false, cancellationToken).ConfigureAwait(false);
            var relative = full.Pipeline.Zip(full.Hand, (p, h) => (p - h) / h).ToArray();
            return new OverheadResult(
                options.Count,
                options.Steps,
                options.Pairs,
                Stats.Median(full.Pipeline),
                Stats.Median(full.Hand),
                Stats.Median(full.Whole),
                Stats.Median(full.Pipeline.Zip(full.Hand, (p, h) => p - h)),
                Stats.Quantile(relative, 0.25),
                Stats.Quantile(relative, 0.75),
                tiny.Pipeline.Count,
                Stats.Median(tiny.Pipeline.Zip(tiny.Hand, (p, h) => p - h)) * 1000,
                Stats.Median(tiny.Hand) * 1000);
        }
        finally
        {
            if (Directory.Exists(scratch))
            {
                Directory.Delete(scratch, recursive: true);
            }
        }
    }

    /// <summary>The pipeline with only its diffuse step, which becomes its one output, <c>samples</c>.</summary>
    internal static string DiffuseOnly(string pipelineJson)
    {
        var document = JsonNode.Parse(pipelineJson)!.AsObject();
        var diffuse = document["steps"]!.AsArray().Single(s => s!["op"]!.GetValue<string>() == DiffuseOperator.OperatorName)!;
        document["steps"] = new JsonArray(diffuse.DeepClone());
        document["outputs"] = new JsonObject { ["samples"] = diffuse["id"]!.GetValue<string>() };
        return document.ToJsonString();
    }

    // Pairs (triples with the whole pipeline) run back to back, a new seed each, the order rotating; milliseconds.
    private async Task<Timings> PairsAsync(Sides sides, int count, int steps, int pairs, bool whole, CancellationToken cancellationToken)
    {
        var hand = await HandLoop.CreateAsync(sides.Variant(count, steps, 0, cancellationToken), sides.Services, steps, count, cancellationToken).ConfigureAwait(false);
        var timings = new Timings([], [], []);
        int kinds = whole ? 3 : 2;
        // Two unrecorded pairs first, so tiered compilation has optimized both sides' loops alike.
        for (int pair = -2; pair < pairs; pair++)
        {
            int seed = pair + 1000;
            var variant = sides.Variant(count, steps, seed, cancellationToken);
            var wholePipeline = whole ? sides.Whole(count, steps, seed, cancellationToken) : null;
            var timed = new (double Ms, Tensor Samples)[3];
            // The order rotates so that no side always runs first (after the collection) or last.
            for (int k = 0; k < kinds; k++)
            {
                int side = (pair + 3 + k) % kinds;
                timed[side] = side switch
                {
                    0 => await sides.RunAsync(variant, cancellationToken).ConfigureAwait(false),
                    1 => await TimeAsync(() => hand.RunAsync(seed, cancellationToken)).ConfigureAwait(false),
                    _ => await sides.RunAsync(wholePipeline!, cancellationToken).ConfigureAwait(false),
                };
            }

            RequireSameBits(timed[0].Samples, timed[1].Samples, $"seed {seed}, count {count}, {steps} steps: the pipeline's diffuse step and the hand loop");
            if (whole)
            {
                RequireSameBits(timed[2].Samples, timed[1].Samples, $"seed {seed}, count {count}, {steps} steps: the whole pipeline and the hand loop");
            }

            if (pair >= 0)
            {
                timings.Pipeline.Add(timed[0].Ms);
                timings.Hand.Add(timed[1].Ms);
                if (whole)
                {
                    timings.Whole.Add(timed[2].Ms);
                    log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  pair {pair + 1}/{pairs}: pipeline {timed[0].Ms:0.0} ms, hand loop {timed[1].Ms:0.0} ms, whole pipeline {timed[2].Ms:0.0} ms; samples bit-identical"));
                }
            }
        }

        return timings;
    }

    private static async Task<(double Ms, Tensor Samples)> TimeAsync(Func<Task<Tensor>> run)
    {
        Settle();
        long start = Stopwatch.GetTimestamp();
        var samples = await run().ConfigureAwait(false);
        return (Stopwatch.GetElapsedTime(start).TotalMilliseconds, samples);
    }

    // The garbage of the previous run is collected before, not during, the next one, whichever side that is.
    private static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    private static void RequireSameBits(Tensor actual, Tensor expected, string what)
    {
        var a = MemoryMarshal.Cast<float, int>(actual.Span);
        var e = MemoryMarshal.Cast<float, int>(expected.Span);
        if (!actual.SameShape(expected) || !a.SequenceEqual(e))
        {
            int index = actual.SameShape(expected) ? a.CommonPrefixLength(e) : -1;
            throw new InvalidOperationException(
                $"{what} gave different samples ({actual} against {expected}; first difference at element {index}). The comparison is void.");
        }
    }

    private sealed record Timings(List<double> Pipeline, List<double> Hand, List<double> Whole);

    // The engine's two sides. A new seed per run: the engine keeps each step's last output, and a run with unchanged
    // inputs would be answered from it without computing anything.
    private sealed record Sides(PipelineEngine Engine, IServiceProvider Services, string PipelineJson, PipelineRunOptions RunOptions)
    {
        private readonly string _diffuseOnly = DiffuseOnly(PipelineJson);

        public CompiledPipeline Variant(int count, int steps, int seed, CancellationToken cancellationToken) =>
            Engine.Load(_diffuseOnly, BenchHost.MixturePipeline + DiffuseStepOnly, BenchHost.PipelinesFolder, Overrides(count, steps, seed), cancellationToken);

        public CompiledPipeline Whole(int count, int steps, int seed, CancellationToken cancellationToken) =>
            Engine.LoadFile(BenchHost.MixturePipeline, Overrides(count, steps, seed), cancellationToken);

        public Task<(double Ms, Tensor Samples)> RunAsync(CompiledPipeline pipeline, CancellationToken cancellationToken) =>
            TimeAsync(async () => (Tensor)(await Engine.RunAsync(pipeline, RunOptions, cancellationToken: cancellationToken).ConfigureAwait(false)).Outputs["samples"]);

        private static string[] Overrides(int count, int steps, int seed) => [$"count={count}", $"steps={steps}", $"seed={seed}"];
    }
}
