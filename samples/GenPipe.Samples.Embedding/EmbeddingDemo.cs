using GenPipe.Abstractions.Operators;
using GenPipe.Core;
using GenPipe.Diffusion;
using GenPipe.Schedulers;
using GenPipe.Tensors;
using Microsoft.Extensions.DependencyInjection;

namespace GenPipe.Samples.Embedding;

/// <summary>What the demo observed: the finished run, and how far the cancelled run got.</summary>
/// <param name="Samples">The samples of the full run.</param>
/// <param name="Files">The files the full run wrote.</param>
/// <param name="IterationsSeen">Denoising iterations reported during the full run.</param>
/// <param name="CancelledAfterIteration">The iteration at which the second run was cancelled.</param>
/// <param name="CancelledRunWroteFiles">Whether the cancelled run left anything in its output folder.</param>
public sealed record EmbeddingReport(Tensor Samples, IReadOnlyList<string> Files, int IterationsSeen, int CancelledAfterIteration, bool CancelledRunWroteFiles);

/// <summary>
/// GenPipe embedded in a plain app: register the host and two plugins, load a pipeline with an override, run it while
/// reading progress, then start a second run and cancel it midway.
/// </summary>
public static class EmbeddingDemo
{
    public static async Task<EmbeddingReport> RunAsync(string pipelinePath, string outputDirectory, TextWriter log, CancellationToken cancellationToken = default)
    {
        var services = new ServiceCollection();
        services.AddGenPipe()
            .AddPlugin<SchedulersPlugin>()
            .AddPlugin<DiffusionPlugin>();
        await using var provider = services.BuildServiceProvider();
        var engine = provider.GetRequiredService<PipelineEngine>();

        // 1. A full run with parameter overrides, printing progress.
        var pipeline = engine.LoadFile(pipelinePath, ["steps=12", "count=500"], cancellationToken);
        int iterations = 0;
        var progress = new InlineProgress(p =>
        {
            if (p.Kind == PipelineProgressKind.Iteration)
            {
                Interlocked.Increment(ref iterations);
                log.WriteLine($"{p.StepId}: {p.Iteration}/{p.IterationCount}");
            }
        });
        var result = await engine.RunAsync(pipeline, new PipelineRunOptions { OutputDirectory = outputDirectory }, progress, cancellationToken);

        // 2. A second run (another seed, so nothing is reused from the cache), cancelled at its 5th iteration.
        string cancelledOutput = outputDirectory + "-cancelled";
        var second = engine.LoadFile(pipelinePath, ["steps=50", "count=500", "seed=1"], cancellationToken);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        int cancelledAt = 0;
        var cancelling = new InlineProgress(p =>
        {
            if (p.Kind == PipelineProgressKind.Iteration && p.Iteration == 5)
            {
                cancelledAt = p.Iteration;
                cts.Cancel();
            }
        });
        try
        {
            await engine.RunAsync(second, new PipelineRunOptions { OutputDirectory = cancelledOutput }, cancelling, cts.Token);
            log.WriteLine("the second run finished before it could be cancelled");
        }
        catch (OperationCanceledException)
        {
            log.WriteLine($"second run cancelled at iteration {cancelledAt}");
        }

        return new EmbeddingReport(
            (Tensor)result.Outputs["samples"],
            result.Files,
            iterations,
            cancelledAt,
            Directory.Exists(cancelledOutput) && Directory.EnumerateFileSystemEntries(cancelledOutput).Any());
    }

    /// <summary>Calls back synchronously on the reporting thread (unlike <see cref="Progress{T}"/>, which posts).</summary>
    private sealed class InlineProgress(Action<PipelineProgress> handler) : IProgress<PipelineProgress>
    {
        public void Report(PipelineProgress value) => handler(value);
    }
}
