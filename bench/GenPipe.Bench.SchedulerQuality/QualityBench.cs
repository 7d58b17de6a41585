using System.Diagnostics;
using GenPipe.Core;
using GenPipe.Diffusion;
using GenPipe.Tensors;

namespace GenPipe.Bench.SchedulerQuality;

/// <summary>
/// Measures every registered scheduler at every budget: counted evaluations, sliced Wasserstein-2 to exact mixture
/// samples, and the pathwise distance to the scheduler's own many-step solution from the same seed.
/// </summary>
internal sealed class QualityBench(BenchHost host, BenchOptions options, TextWriter log)
{
    /// <summary>The scheduler whose 1000-step run is the baseline of the evaluation ratio.</summary>
    public const string BaselineId = "scheduler/ddpm";

    private const int BaselineSteps = 1000;

    private Tensor[] _references = [];

    public async Task<BenchReport> RunAsync(string pipelineName)
    {
        var clock = Stopwatch.StartNew();
        var mixture = GaussianMixture.FromOptions(host.MixtureOptions);
        _references = Enumerable.Range(0, options.ReferenceSets)
            .Select(i => mixture.Sample(options.Count, new TorchGenerator(options.ExactSeed + i)))
            .ToArray();
        var floorDistances = Enumerable.Range(0, options.FloorSets)
            .Select(i => Distance(mixture.Sample(options.Count, new TorchGenerator(options.ExactSeed + options.ReferenceSets + i))))
            .ToArray();
        var floor = new NoiseFloor(floorDistances.Average(), floorDistances.Min(), floorDistances.Max());
        log.WriteLine($"noise floor: SW2 {floor.Mean:0.0000} (min {floor.Min:0.0000}, max {floor.Max:0.0000}) over {options.FloorSets} exact sets of {options.Count}");

        var sections = new List<SpacingSection>();
        var measured = new Dictionary<string, SchedulerResult>(StringComparer.Ordinal);
        foreach (string spacing in options.Spacings)
        {
            log.WriteLine($"timestep_spacing: {spacing}");
            var results = new List<SchedulerResult>();
            foreach (var descriptor in host.Schedulers)
            {
                var schedulerCase = await SchedulerCase.ClassifyAsync(host, descriptor, spacing).ConfigureAwait(false);

                // A scheduler whose options come out the same under another spacing (it has no such key) is not run twice.
                string key = descriptor.Id + " " + schedulerCase.Options.ToJsonString();
                if (!measured.TryGetValue(key, out var result))
                {
                    result = schedulerCase.NotApplicable is null
                        ? await MeasureAsync(schedulerCase).ConfigureAwait(false)
                        : new SchedulerResult(schedulerCase, [], null, null, schedulerCase.NotApplicable);
                    if (schedulerCase.NotApplicable is not null)
                    {
                        log.WriteLine($"{descriptor.Id}: not applicable ({schedulerCase.NotApplicable})");
                    }

                    measured[key] = result;
                }

                results.Add(result);
            }

            var (baselineNfe, baselineLabel) = await BaselineAsync(results).ConfigureAwait(false);
            sections.Add(new SpacingSection(spacing, results, baselineNfe, baselineLabel));
        }

        return new BenchReport(options, pipelineName, floor, sections, clock.Elapsed);
    }

    private async Task<SchedulerResult> MeasureAsync(SchedulerCase schedulerCase)
    {
        var clock = Stopwatch.StartNew();
        var failures = new SortedDictionary<int, string>();
        var search = new StepSearch(steps => ProbeAsync(schedulerCase, steps, failures));
        Tensor? reference = null;
        long? referenceNfe = null;
        double? referenceSw = null;
        var problems = new List<string>();
        try
        {
            (reference, referenceNfe) = await host.DiffuseAsync(schedulerCase.Id, schedulerCase.Options, options.ReferenceSteps, options.Seed, options.Count).ConfigureAwait(false);
            referenceSw = Distance(reference);
        }
        catch (Exception ex) when (ex is PipelineExecutionException or PipelineValidationException)
        {
            problems.Add($"{options.ReferenceSteps}-step reference failed: {ex.Message}");
        }

        var runs = new List<BudgetRun>();
        foreach (int budget in options.Budgets)
        {
            int? steps = await search.MostStepsWithinAsync(budget).ConfigureAwait(false);
            if (steps is null)
            {
                problems.Add($"no step count fits {budget} evaluations");
                continue;
            }

            // A budget that buys no more steps than the last one repeats its run (a row per budget keeps the table whole).
            if (runs.Count > 0 && runs[^1].Steps == steps)
            {
                runs.Add(runs[^1] with { Budget = budget });
                continue;
            }

            Tensor samples;
            long calls;
            if (steps == options.ReferenceSteps && reference is not null)
            {
                (samples, calls) = (reference, referenceNfe!.Value);
            }
            else
            {
                try
                {
                    (samples, calls) = await host.DiffuseAsync(schedulerCase.Id, schedulerCase.Options, steps.Value, options.Seed, options.Count).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is PipelineExecutionException or PipelineValidationException)
                {
                    problems.Add($"{steps} steps failed: {ex.Message}");
                    continue;
                }
            }

            var run = new BudgetRun(budget, steps.Value, calls, Distance(samples), reference is null ? null : RmsDistance(samples, reference));
            runs.Add(run);
            log.WriteLine($"{schedulerCase.Id,-28} budget {budget,5}: {run.Steps,5} steps, {run.Evaluations,5} NFE, SW2 {run.SlicedWasserstein:0.0000}, to reference {run.PathDistance:0.0000}");
        }

        if (failures.Count > 0)
        {
            var (firstSteps, firstError) = failures.First();
            problems.Add($"runs of {Ranges(failures.Keys)} steps fail (the step search passes over them); at {firstSteps} steps: {firstError}");
        }

        log.WriteLine($"{schedulerCase.Id}: done in {clock.Elapsed.TotalSeconds:0.0} s{(schedulerCase.Stochastic ? " (stochastic)" : "")}");
        return new SchedulerResult(schedulerCase, runs, referenceNfe, referenceSw, problems.Count == 0 ? null : string.Join("; ", problems));
    }

    private async Task<long?> ProbeAsync(SchedulerCase schedulerCase, int steps, IDictionary<int, string> failures)
    {
        // The diffuse loop calls the denoiser the same number of times for one sample as for thousands.
        try
        {
            var (_, calls) = await host.DiffuseAsync(schedulerCase.Id, schedulerCase.Options, steps, options.Seed, count: 1).ConfigureAwait(false);
            return calls;
        }
        catch (Exception ex) when (ex is PipelineExecutionException or PipelineValidationException)
        {
            failures[steps] = (ex.InnerException ?? ex).Message;
            return null;
        }
    }

    private async Task<(long Evaluations, string Label)> BaselineAsync(IReadOnlyList<SchedulerResult> results)
    {
        var baseline = results.FirstOrDefault(r => r.Case.Id == BaselineId && r.Case.NotApplicable is null);
        if (baseline is null)
        {
            return (BaselineSteps, $"{BaselineSteps} NFE");
        }

        var (_, calls) = await host.DiffuseAsync(baseline.Case.Id, baseline.Case.Options, BaselineSteps, options.Seed, count: 1).ConfigureAwait(false);
        return (calls, "DDPM-1000");
    }

    /// <summary>Sorted step counts as ranges: 51-1000 rather than 950 numbers.</summary>
    internal static string Ranges(IEnumerable<int> sorted)
    {
        var parts = new List<string>();
        int? start = null;
        int previous = 0;
        foreach (int n in sorted)
        {
            if (start is not null && n == previous + 1)
            {
                previous = n;
                continue;
            }

            if (start is not null)
            {
                parts.Add(start == previous ? $"{start}" : $"{start}-{previous}");
            }

            start = n;
            previous = n;
        }

        if (start is not null)
        {
            parts.Add(start == previous ? $"{start}" : $"{start}-{previous}");
        }

        return string.Join(", ", parts);
    }

    private double Distance(Tensor samples) =>
        _references.Average(r => SlicedWasserstein.Distance(samples, r, options.Projections));

    private static double RmsDistance(Tensor a, Tensor b)
    {
        var x = a.Span;
        var y = b.Span;
        double sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double d = x[i] - y[i];
            sum += d * d;
        }

        return Math.Sqrt(sum / a.Dim(0));
    }
}
