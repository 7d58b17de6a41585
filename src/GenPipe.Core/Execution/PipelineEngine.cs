using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GenPipe.Abstractions.Operators;
using GenPipe.Core.Catalog;
using GenPipe.Core.Execution;
using GenPipe.Core.Pipelines;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace GenPipe.Core;

/// <summary>
/// Loads pipelines (parse, apply <c>--set</c> overrides, compile) and runs them. The engine owns the components it
/// loads (shared by every pipeline it runs, disposed with it) and the step outputs it keeps between runs.
/// </summary>
public sealed class PipelineEngine : IAsyncDisposable
{
    private readonly ComponentCatalog _catalog;
    private readonly IServiceProvider _services;
    private readonly PipelineEngineOptions _options;
    private readonly ILogger<PipelineEngine> _logger;
    private readonly ComponentCache _components = new();
    private readonly StepOutputCache _stepOutputs = new();

    /// <summary>Creates an engine over <paramref name="catalog"/>; <paramref name="services"/> reach components and operators.</summary>
    public PipelineEngine(ComponentCatalog catalog, IServiceProvider services, PipelineEngineOptions? options = null, ILogger<PipelineEngine>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(services);
        _catalog = catalog;
        _services = services;
        _options = options ?? new PipelineEngineOptions();
        _logger = logger ?? NullLogger<PipelineEngine>.Instance;
    }

    /// <summary>
    /// Plugins the host could not load, and why (empty when all loaded): an app learns here, not only from a later
    /// "unknown component type", that a plugin folder was missing or held a broken assembly.
    /// </summary>
    public IReadOnlyList<string> PluginProblems => _options.PluginProblems;

    /// <summary>
    /// Reads, overrides and compiles the pipeline file at <paramref name="path"/>. Component sources resolve relative to
    /// the file's folder, then the model roots. Files over <see cref="InputFiles.MaxBytes"/> are refused before they are
    /// read whole; loading is linear in the file's size and stops when <paramref name="cancellationToken"/> fires.
    /// </summary>
    /// <exception cref="PipelineValidationException">The file is missing, a folder, too large, not UTF-8 or invalid; every error is listed.</exception>
    /// <exception cref="OperationCanceledException">Loading was cancelled.</exception>
    public CompiledPipeline LoadFile(string path, IReadOnlyList<string>? overrides = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] bytes;
        try
        {
            bytes = InputFiles.ReadUtf8(path, "pipeline file", cancellationToken);
        }
        catch (InputFileException ex)
        {
            throw new PipelineValidationException([new PipelineDiagnostic(PipelineDiagnosticSeverity.Error, path, JsonPathText.Root, ex.Line, ex.Column, ex.Message)]);
        }

        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        return Compile(bytes, path, directory, overrides ?? [], cancellationToken);
    }

    /// <summary>
    /// Compiles pipeline JSON held in memory. <paramref name="sourceName"/> names it in diagnostics;
    /// <paramref name="baseDirectory"/> (or the current directory when null) anchors relative component sources.
    /// </summary>
    /// <exception cref="PipelineValidationException">The pipeline is invalid; every error is listed.</exception>
    /// <exception cref="OperationCanceledException">Loading was cancelled.</exception>
    public CompiledPipeline Load(string json, string sourceName, string? baseDirectory, IReadOnlyList<string>? overrides = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(sourceName);
        return Compile(Encoding.UTF8.GetBytes(json), sourceName, baseDirectory is null ? null : Path.GetFullPath(baseDirectory), overrides ?? [], cancellationToken);
    }

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
                if (cacheable && _stepOutputs.TryGet(pipeline.SourceFile, step.Id, key, out object cached))
                {
                    produced[step.Id] = cached;
                    progress?.Report(new PipelineProgress(PipelineProgressKind.StepCached, step.Id, index, count, 0, 0, TimeSpan.Zero));
                    continue;
                }

                object output = await RunStepAsync(step, index, count, produced, sink, progress, cancellationToken).ConfigureAwait(false);
                produced[step.Id] = output;
                if (cacheable)
                {
                    _stepOutputs.Set(pipeline.SourceFile, step.Id, key, output);
                }
            }

            cancellationToken.ThrowIfCancellationRequested();
            var files = sink.Commit();
            var outputs = pipeline.Outputs.ToDictionary(o => o.Key, o => produced[o.Value], StringComparer.Ordinal);
            if (_logger.IsEnabled(LogLevel.Information))
            {
                _logger.LogInformation("Pipeline {Name} finished in {Elapsed} ms with {FileCount} file(s)", pipeline.Name, runClock.ElapsedMilliseconds, files.Count);
            }

            return new PipelineResult(outputs, files, runClock.Elapsed);
        }
        catch
        {
            sink.Discard();
            throw;
        }
    }

    /// <summary>
    /// Runs <paramref name="pipeline"/> like <see cref="RunAsync"/> and yields, as they are produced, the pieces of output
    /// its steps stream that are of type <typeparamref name="T"/> (a <c>generate</c> step streams
    /// <c>GeneratedToken</c>s). The sequence ends when the run succeeds and throws what the run throws. The run keeps
    /// pace with the reader (it waits while more than one chunk is unread). Cancelling the token, or leaving the loop
    /// before the last chunk, cancels the run; no file is written then.
    /// </summary>
    public async IAsyncEnumerable<T> StreamAsync<T>(
        CompiledPipeline pipeline,
        PipelineRunOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        // One chunk of slack: the run waits for the reader (back-pressure), so a reader that stops early stops a run
        // that has not finished, instead of finding that it ran ahead to the end and wrote its files.
        var channel = Channel.CreateBounded<T>(new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });
        using var run = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var progress = new OutputForwarder<T>(channel.Writer, run.Token);
        var running = Task.Run(
            async () =>
            {
                try
                {
                    await RunAsync(pipeline, options, progress, run.Token).ConfigureAwait(false);
                    channel.Writer.TryComplete();
                }
                catch (Exception ex)
                {
                    channel.Writer.TryComplete(ex);
                }
            },
            CancellationToken.None);
        try
        {
            await foreach (T item in channel.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
            {
                yield return item;
            }
        }
        finally
        {
            // Reached early when the caller stops reading: stop the run and wait, so nothing outlives the enumeration.
            await run.CancelAsync().ConfigureAwait(false);
            await running.ConfigureAwait(false);
        }
    }

    /// <summary>Disposes the loaded components and forgets cached step outputs.</summary>
    public async ValueTask DisposeAsync()
    {
        _stepOutputs.Clear();
        await _components.DisposeAsync().ConfigureAwait(false);
    }

    private async Task<object> RunStepAsync(
        PipelineStep step,
        int index,
        int count,
        Dictionary<string, object> produced,
        StagingArtifactSink sink,
        IProgress<PipelineProgress>? progress,
        CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        progress?.Report(new PipelineProgress(PipelineProgressKind.StepStarted, step.Id, index, count, 0, 0, TimeSpan.Zero));
        var values = step.Inputs.Values.ToDictionary(
            i => i.Name,
            i => i.Kind == StepInputKind.StepOutput ? produced[i.Reference!] : i.Value,
            StringComparer.Ordinal);
        var context = new StepContext(
            step,
            values,
            _components,
            _services,
            sink,
            (current, total) => progress?.Report(new PipelineProgress(PipelineProgressKind.Iteration, step.Id, index, count, current, total, clock.Elapsed)),
            chunk => progress?.Report(new PipelineProgress(PipelineProgressKind.Output, step.Id, index, count, 0, 0, clock.Elapsed) { Output = chunk }));
        object? output;
        try
        {
            output = await step.Operator.ExecuteAsync(context, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw new PipelineExecutionException(step.Id, $"Step '{step.Id}' ({step.OperatorName}) failed: {ex.Message}", ex);
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

        if (_logger.IsEnabled(LogLevel.Debug))
        {
            _logger.LogDebug("Step {StepId} ({Operator}) took {Elapsed} ms", step.Id, step.OperatorName, clock.ElapsedMilliseconds);
        }

        progress?.Report(new PipelineProgress(PipelineProgressKind.StepCompleted, step.Id, index, count, 0, 0, clock.Elapsed));
        return output;
    }

    private CompiledPipeline Compile(byte[] bytes, string sourceName, string? baseDirectory, IReadOnlyList<string> overrides, CancellationToken cancellationToken)
    {
        ReadOnlySpan<byte> utf8 = bytes;
        if (utf8.StartsWith("\uFEFF"u8))
        {
            utf8 = utf8[3..];
        }

        var document = PipelineDocument.Parse(bytes.AsMemory(bytes.Length - utf8.Length), sourceName, cancellationToken);
        var root = document.Root;
        document.RestoreArraysForOverrides(overrides);
        var overrideErrors = new List<PipelineDiagnostic>();
        var applied = root is JsonObject tree ? PipelineOverrides.Apply(tree, overrides, overrideErrors) : [];
        var diagnostics = new DiagnosticBag(sourceName, document.Map, applied);
        var compiled = new PipelineCompiler(_catalog, _options.ModelRoots, sourceName, baseDirectory, diagnostics, _options.MemoryBudgetBytes, _options.PluginProblems)
        {
            Document = document,
        }.Compile(root);
        cancellationToken.ThrowIfCancellationRequested();
        var errors = overrideErrors.Concat(diagnostics.Errors).ToArray();
        if (errors.Length > 0 || compiled is null)
        {
            throw new PipelineValidationException(errors, sourceName);
        }

        foreach (var warning in compiled.Warnings)
        {
            _logger.LogWarning("{Warning}", warning.ToString());
        }

        return compiled;
    }

    // Synchronous on purpose (not Progress<T>, which posts to a context): chunks keep their order and arrive at once.
    private sealed class OutputForwarder<T>(ChannelWriter<T> writer, CancellationToken cancellationToken) : IProgress<PipelineProgress>
    {
        public void Report(PipelineProgress value)
        {
            if (value is { Kind: PipelineProgressKind.Output, Output: T chunk } && !writer.TryWrite(chunk))
            {
                // Blocks the operator's thread until the reader takes a chunk; cancelling the run releases it.
                writer.WriteAsync(chunk, cancellationToken).AsTask().GetAwaiter().GetResult();
            }
        }
    }
}
