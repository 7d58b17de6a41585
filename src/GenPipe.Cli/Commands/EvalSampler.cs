using System.Diagnostics;
using System.Globalization;
using GenPipe.Core;
using GenPipe.Core.Operators;
using GenPipe.Tensors;

namespace GenPipe.Cli.Commands;

/// <summary>One run of the pipeline in <c>genpipe eval</c>: how many samples, with which seed, for which digit.</summary>
/// <param name="Index">The batch's position, from 0; its seed is the base seed plus this.</param>
/// <param name="Count">The samples it draws (the pipeline's <c>count</c>).</param>
/// <param name="Seed">The pipeline's <c>seed</c>.</param>
/// <param name="Digit">The digit asked for, or null for unconditional samples.</param>
/// <param name="Condition">The value set on the condition parameter (the filled-in template), or null.</param>
internal sealed record EvalBatch(int Index, int Count, int Seed, int? Digit, string? Condition)
{
    /// <summary>The overrides that make the pipeline draw this batch, after the user's own.</summary>
    public IEnumerable<string> Overrides(string? conditionParameter)
    {
        yield return "count=" + Count.ToString(CultureInfo.InvariantCulture);
        yield return "seed=" + Seed.ToString(CultureInfo.InvariantCulture);
        if (conditionParameter is not null && Condition is not null)
        {
            yield return $"{conditionParameter}={Condition}";
        }
    }

    public string Describe() => Digit is null ? $"{Count} samples, seed {Seed}" : $"{Count} x '{Condition}', seed {Seed}";
}

/// <summary>
/// Draws the samples <c>genpipe eval</c> scores: the pipeline run once per <see cref="EvalBatch"/> in one engine (so
/// models load once), its output mapped to [0, 1] as <c>save</c> maps it (<see cref="SaveOperator.UnitRange"/>).
/// </summary>
internal sealed class EvalSampler
{
    public const int DigitSize = 28;

    private readonly CliHost _cli;
    private readonly string _output;
    private readonly List<(EvalBatch Batch, CompiledPipeline Pipeline)> _plan;

    private EvalSampler(CliHost cli, string output, List<(EvalBatch, CompiledPipeline)> plan)
    {
        _cli = cli;
        _output = output;
        _plan = plan;
    }

    /// <summary>
    /// The batches for <paramref name="count"/> samples in batches of at most <paramref name="batchSize"/>: without a
    /// condition, one run after another; with one, the samples split evenly over the digits 0 to 9 (the first
    /// <c>count % 10</c> digits one more), each digit in its own batches. Seeds are <paramref name="seed"/> + the batch index.
    /// </summary>
    public static List<EvalBatch> Plan(int count, int batchSize, int seed, EvalCondition? condition)
    {
        var batches = new List<EvalBatch>();
        void Add(int total, int? digit)
        {
            for (int done = 0; done < total; done += batchSize)
            {
                int index = batches.Count;
                batches.Add(new EvalBatch(index, Math.Min(batchSize, total - done), checked(seed + index), digit, digit is { } d ? condition!.For(d) : null));
            }
        }

        if (condition is null)
        {
            Add(count, null);
        }
        else
        {
            for (int digit = 0; digit < 10; digit++)
            {
                Add((count / 10) + (digit < count % 10 ? 1 : 0), digit);
            }
        }

        return batches;
    }

    /// <summary>Compiles the pipeline for every batch before any runs, so that a value the pipeline refuses stops everything first.</summary>
    /// <exception cref="PipelineValidationException">A batch's pipeline is invalid (the caller names the batch).</exception>
    public static EvalSampler Prepare(
        CliHost cli, string pipelinePath, IReadOnlyList<string> userOverrides, IReadOnlyList<EvalBatch> batches, EvalCondition? condition, string output,
        Action<EvalBatch> compiling, CancellationToken cancellationToken)
    {
        var plan = new List<(EvalBatch, CompiledPipeline)>(batches.Count);
        foreach (var batch in batches)
        {
            compiling(batch);
            var compiled = cli.Engine.LoadFile(pipelinePath, [.. userOverrides, .. batch.Overrides(condition?.Parameter)], cancellationToken);
            plan.Add((batch, compiled));
        }

        return new EvalSampler(cli, output, plan);
    }

    /// <summary>
    /// Runs every batch in order; the samples come back as one [N, 1, 28, 28] tensor in [0, 1], in batch order, with the
    /// digit each was asked for (null without a condition). The pipeline's own files go to a scratch folder that is deleted.
    /// </summary>
    /// <exception cref="EvalOutputException">The output is missing or not [count, 1, 28, 28].</exception>
    public async Task<(Tensor Samples, int[]? Requested)> DrawAsync(EvalProgress progress, CancellationToken cancellationToken)
    {
        int total = _plan.Sum(p => p.Batch.Count);
        int pixels = DigitSize * DigitSize;
        var samples = new float[checked(total * pixels)];
        int[]? requested = _plan.Any(p => p.Batch.Digit is not null) ? new int[total] : null;
        string scratch = Path.Combine(Path.GetTempPath(), $"genpipe-eval-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            int at = 0;
            var runOptions = new PipelineRunOptions { OutputDirectory = scratch };
            foreach (var (batch, pipeline) in _plan)
            {
                var clock = Stopwatch.StartNew();
                var result = await _cli.Engine.RunAsync(pipeline, runOptions, null, cancellationToken).ConfigureAwait(false);
                var digits = Digits(result, batch);
                SaveOperator.UnitRange(digits).Span.CopyTo(samples.AsSpan(at * pixels, batch.Count * pixels));
                if (requested is not null)
                {
                    Array.Fill(requested, batch.Digit ?? 0, at, batch.Count);
                }

                at += batch.Count;
                progress.BatchDone(batch.Index + 1, _plan.Count, batch.Describe(), clock.Elapsed);
            }
        }
        finally
        {
            if (Directory.Exists(scratch))
            {
                Directory.Delete(scratch, recursive: true);
            }
        }

        return (new Tensor(samples, total, 1, DigitSize, DigitSize), requested);
    }

    private Tensor Digits(PipelineResult result, EvalBatch batch)
    {
        if (!result.Outputs.TryGetValue(_output, out object? value) || value is not Tensor tensor)
        {
            throw new EvalOutputException(
                $"the pipeline's output '{_output}' is {(value is null ? "missing" : value.GetType().Name)}, not a tensor of digits; pick the decoded images with --output.");
        }

        if (tensor.Rank != 4 || tensor.Dim(0) != batch.Count || tensor.Dim(1) != 1 || tensor.Dim(2) != DigitSize || tensor.Dim(3) != DigitSize)
        {
            throw new EvalOutputException(
                $"the pipeline's output '{_output}' is {Tensor.FormatShape(tensor.Shape)} for count={batch.Count}; eval scores [count, 1, {DigitSize}, {DigitSize}] digits in [-1, 1]. Pick that output with --output.");
        }

        return tensor;
    }
}

/// <summary>The pipeline's output is not digits eval can score: the user's input (exit 2).</summary>
internal sealed class EvalOutputException : Exception
{
    public EvalOutputException()
    {
    }

    public EvalOutputException(string message)
        : base(message)
    {
    }

    public EvalOutputException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
