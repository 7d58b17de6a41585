using System.Runtime.CompilerServices;
using System.Threading.Channels;
using System.Text;
using GenPipe.Abstractions.Operators;
using GenPipe.Core.Catalog;
using GenPipe.Core.Execution;
using GenPipe.Core.Memory;
using GenPipe.Core.Pipelines;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace GenPipe.Core;

/// <summary>
/// Loads pipelines (parse, apply <c>--set</c> overrides, compile: <see cref="PipelineLoader"/>) and runs them
/// (<see cref="PipelineRunner"/>). Components and step outputs kept between runs live in an <see cref="IComponentPool"/>,
/// shared by every pipeline the engine runs, concurrently or not.
/// </summary>
public sealed class PipelineEngine : IAsyncDisposable, IDisposable
{
    private readonly PipelineEngineOptions _options;
    private readonly PipelineLoader _loader;
    private readonly PipelineRunner _runner;
    private readonly IComponentPool _pool;
    private readonly bool _ownsPool;

    /// <summary>
    /// Creates an engine over <paramref name="catalog"/>; <paramref name="services"/> reach components and operators.
    /// Components and kept step outputs live in <paramref name="pool"/>, which several engines may share; without one
    /// the engine makes a <see cref="ComponentPool"/> with <see cref="PipelineEngineOptions.MemoryBudgetBytes"/> and
    /// disposes it with itself.
    /// </summary>
    public PipelineEngine(
        ComponentCatalog catalog,
        IServiceProvider services,
        PipelineEngineOptions? options = null,
        ILogger<PipelineEngine>? logger = null,
        IComponentPool? pool = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(services);
        _options = options ?? new PipelineEngineOptions();
        ILogger log = logger ?? NullLogger<PipelineEngine>.Instance;
        _ownsPool = pool is null;
        _pool = pool ?? new ComponentPool(new ComponentPoolOptions { BudgetBytes = _options.MemoryBudgetBytes });
        _loader = new PipelineLoader(catalog, _options, log, _pool, services);
        _runner = new PipelineRunner(_pool, services, log);
    }

    /// <summary>The pool holding this engine's components and kept step outputs.</summary>
    public IComponentPool Pool => _pool;

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
        return _loader.Compile(bytes, path, directory, overrides ?? [], cancellationToken);
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
        return _loader.Compile(Encoding.UTF8.GetBytes(json), sourceName, baseDirectory is null ? null : Path.GetFullPath(baseDirectory), overrides ?? [], cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="pipeline"/>: steps in order, unchanged cacheable steps taken from earlier runs, files moved
    /// into the output folder only when every step succeeded.
    /// </summary>
    /// <exception cref="OperationCanceledException">The run was cancelled; no file was written.</exception>
    /// <exception cref="PipelineExecutionException">A step failed; no file was written.</exception>
    public Task<PipelineResult> RunAsync(
        CompiledPipeline pipeline,
        PipelineRunOptions? options = null,
        IProgress<PipelineProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        return _runner.RunAsync(pipeline, options, progress, cancellationToken);
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

    /// <summary>Disposes the pool (with its components and kept step outputs) when the engine made it.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_ownsPool)
        {
            await _pool.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Disposes the pool when the engine made it, waiting for components that dispose asynchronously: so that a DI
    /// container disposed with <c>using</c> (not <c>await using</c>) can dispose the engine too.
    /// </summary>
    public void Dispose()
    {
        if (_ownsPool)
        {
            _pool.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
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
