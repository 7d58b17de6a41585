using System.Diagnostics;
using GenPipe.Abstractions.Operators;
using GenPipe.Core.Memory;
using GenPipe.Core.Pipelines;
using Microsoft.Extensions.Logging;

namespace GenPipe.Core.Execution;

/// <summary>
/// Runs compiled pipelines: steps in dependency order, each with its components leased from the pool for as long as
/// it runs, each output dropped after its last consumer, unchanged cacheable steps taken from earlier runs.
/// </summary>
internal sealed class PipelineRunner(IComponentPool pool, IServiceProvider services, ILogger logger)
{
    private readonly StepOutputCache _stepOutputs = new(pool);

    /// <summary>
    /// Runs <paramref name="pipeline"/>: steps in order, unchanged cacheable steps taken from earlier runs, files moved
    /// into the output folder only when every step succeeded.
    /// </summary>
    /// <exception cref="OperationCanceledException">The run was cancelled; no file was written.</exception>
    /// <exception cref="PipelineExecutionException">A step failed; no file was written.</exception>
    public async Task<PipelineResult> RunAsync(
        CompiledPipeline pipeline,
        PipelineRunOptions? options = null,
        IProgress<PipelineProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        var runClock = Stopwatch.StartNew();
        string outputDirectory = options?.OutputDirectory ?? Path.Combine(Directory.GetCurrentDirectory(), "out");
        var sink = new StagingArtifactSink(outputDirectory);
        var produced = new Dictionary<string, object>(StringComparer.Ordinal);
        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        int count = pipeline.Steps.Count;
        var lastConsumer = LastConsumers(pipeline);
        var run = new RunDescription(
            pipeline.Name,
            pipeline.Parameters.Select(p => new KeyValuePair<string, object>(p.Name, p.Value)).ToArray(),
            pipeline.Components.Select(c => (c.Name, c.TypeId, c.SourcePath)).ToArray());
        try
        {
            for (int index = 0; index < count; index++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var step = pipeline.Steps[index];
                bool cacheable = step.Operator.Signature.Cacheable;

                // A step with side effects gets a fresh key each run, so everything downstream of it runs again too.
                string key = StepOutputCache.KeyOf(step, keys) + (cacheable ? "" : ":" + Guid.NewGuid().ToString("N"));
                keys[step.Id] = key;
                if (cacheable && _stepOutputs.TryGet(pipeline.SourceFile, step.Id, key, out var cached))
                {
                    produced[step.Id] = cached.Output;
                    progress?.Report(new PipelineProgress(PipelineProgressKind.StepCached, step.Id, index, count, 0, 0, TimeSpan.Zero));
                    // A streaming step taken from the cache streams again what it streamed when it ran, so a reader
                    // of StreamAsync sees the same pieces whether the step ran or not.
                    foreach (var chunk in cached.Chunks)
                    {
                        progress?.Report(new PipelineProgress(PipelineProgressKind.Output, step.Id, index, count, 0, 0, TimeSpan.Zero) { Output = chunk });
                    }
                }
                else
                {
                    var chunks = step.Operator.Signature.StreamsOutput && cacheable ? new List<object>() : null;
                    object output = await RunStepAsync(step, index, count, produced, sink, progress, chunks, run, cancellationToken).ConfigureAwait(false);
                    produced[step.Id] = output;
                    if (cacheable)
                    {
                        _stepOutputs.Set(pipeline.SourceFile, step.Id, key, new StepOutputCache.Step(output, chunks ?? []));
                    }
                }

                // Outputs no later step reads and the pipeline does not return are dropped now, not at the run's end.
                foreach (var done in lastConsumer[index])
                {
                    produced.Remove(done);
                }
            }

            cancellationToken.ThrowIfCancellationRequested();
            var files = sink.Commit();
            var outputs = pipeline.Outputs.ToDictionary(o => o.Key, o => produced[o.Value], StringComparer.Ordinal);
            if (logger.IsEnabled(LogLevel.Information))
            {
                logger.LogInformation("Pipeline {Name} finished in {Elapsed} ms with {FileCount} file(s)", pipeline.Name, runClock.ElapsedMilliseconds, files.Count);
            }

            return new PipelineResult(outputs, files, runClock.Elapsed);
        }
        catch
        {
            sink.Discard();
            throw;
        }
    }

    // For each step index, the outputs whose last reader it is (pipeline outputs are never in these lists).
    private static List<string>[] LastConsumers(CompiledPipeline pipeline)
    {
        var last = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int index = 0; index < pipeline.Steps.Count; index++)
        {
            last[pipeline.Steps[index].Id] = index;
            foreach (var input in pipeline.Steps[index].Inputs.Values.Where(i => i.Kind == StepInputKind.StepOutput))
            {
                last[input.Reference!] = index;
            }
        }

        var returned = pipeline.Outputs.Values.ToHashSet(StringComparer.Ordinal);
        var byIndex = Enumerable.Range(0, pipeline.Steps.Count).Select(_ => new List<string>()).ToArray();
        foreach (var (step, index) in last.Where(l => !returned.Contains(l.Key)))
        {
            byIndex[index].Add(step);
        }

        return byIndex;
    }

    private async Task<object> RunStepAsync(
        PipelineStep step,
        int index,
        int count,
        Dictionary<string, object> produced,
        StagingArtifactSink sink,
        IProgress<PipelineProgress>? progress,
        List<object>? chunks,
        RunDescription run,
        CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        progress?.Report(new PipelineProgress(PipelineProgressKind.StepStarted, step.Id, index, count, 0, 0, TimeSpan.Zero));
        var values = step.Inputs.Values.ToDictionary(
            i => i.Name,
            i => i.Kind == StepInputKind.StepOutput ? produced[i.Reference!] : i.Value,
            StringComparer.Ordinal);
        object? output;
        StepContext? context = null;
        try
        {
            // Every component of the step at once (see IComponentPool.AcquireAsync), before the operator starts.
            var leases = await pool.AcquireAsync([.. step.Components.Values], services, cancellationToken).ConfigureAwait(false);
            context = new StepContext(
                step,
                values,
                pool,
                leases,
                services,
                sink,
                (current, total) => progress?.Report(new PipelineProgress(PipelineProgressKind.Iteration, step.Id, index, count, current, total, clock.Elapsed)),
                chunk =>
                {
                    chunks?.Add(chunk);
                    progress?.Report(new PipelineProgress(PipelineProgressKind.Output, step.Id, index, count, 0, 0, clock.Elapsed) { Output = chunk });
                },
                run);
            output = await step.Operator.ExecuteAsync(context, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw new PipelineExecutionException(step.Id, $"Step '{step.Id}' ({step.OperatorName}) failed: {UserMessage(ex)}", ex);
        }
        finally
        {
            if (context is not null)
            {
                await context.ReleaseAllAsync().ConfigureAwait(false);
            }
        }

        if (output is null)
        {
            throw new PipelineExecutionException(step.Id, $"Step '{step.Id}' ({step.OperatorName}) returned no output.", new InvalidOperationException("null output"));
        }

        if (NonFiniteValues.Find(output) is { } problem)
        {
            throw new PipelineExecutionException(
                step.Id,
                $"Step '{step.Id}' ({step.OperatorName}) produced {problem}; the run stopped and wrote nothing. Check the options of the components it uses (e.g. a scheduler's eta, a guidance scale) and its inputs.",
                new ArithmeticException(problem));
        }

        if (logger.IsEnabled(LogLevel.Debug))
        {
            logger.LogDebug("Step {StepId} ({Operator}) took {Elapsed} ms", step.Id, step.OperatorName, clock.ElapsedMilliseconds);
        }

        progress?.Report(new PipelineProgress(PipelineProgressKind.StepCompleted, step.Id, index, count, 0, 0, clock.Elapsed));
        return output;
    }

    /// <summary>
    /// The exception's message as a user should read it: ArgumentException appends "(Parameter 'name')" and
    /// ArgumentOutOfRangeException "Actual value was ...", .NET's words about the code rather than the pipeline.
    /// </summary>
    private static string UserMessage(Exception ex)
    {
        string message = ex.Message;
        if (ex is ArgumentOutOfRangeException { ActualValue: { } actual })
        {
            message = WithoutSuffix(message, Environment.NewLine + $"Actual value was {actual}.");
        }

        if (ex is ArgumentException { ParamName: { } name })
        {
            message = WithoutSuffix(message, $" (Parameter '{name}')");
        }

        return message;
    }

    private static string WithoutSuffix(string message, string suffix) =>
        message.EndsWith(suffix, StringComparison.Ordinal) ? message[..^suffix.Length] : message;
}
