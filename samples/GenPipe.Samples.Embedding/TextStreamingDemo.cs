using System.Text;
using GenPipe.Abstractions.Models;
using GenPipe.Autoregressive;
using GenPipe.Core;
using GenPipe.Sampling;
using Microsoft.Extensions.DependencyInjection;

namespace GenPipe.Samples.Embedding;

/// <summary>What the streaming demo observed.</summary>
/// <param name="Text">The text streamed by the full run.</param>
/// <param name="Tokens">How many tokens it streamed.</param>
/// <param name="StoppedAfter">Tokens read from the second run before the app stopped reading.</param>
/// <param name="StoppedRunWroteFiles">Whether the stopped run left anything in its output folder.</param>
public sealed record StreamingReport(string Text, int Tokens, int StoppedAfter, bool StoppedRunWroteFiles);

/// <summary>
/// Text generation embedded in an app: <see cref="PipelineEngine.StreamAsync{T}"/> yields each token of a
/// <c>generate</c> step as it is chosen; leaving the loop early stops the run, and nothing is written.
/// </summary>
public static class TextStreamingDemo
{
    public static async Task<StreamingReport> RunAsync(string pipelinePath, string outputDirectory, string prompt, TextWriter log, CancellationToken cancellationToken = default)
    {
        var services = new ServiceCollection();
        services.AddGenPipe()
            .AddPlugin<SamplingPlugin>()
            .AddPlugin<AutoregressivePlugin>();
        await using var provider = services.BuildServiceProvider();
        var engine = provider.GetRequiredService<PipelineEngine>();

        // 1. Stream a whole fortune, printing each piece of text as it arrives.
        var pipeline = engine.LoadFile(pipelinePath, [$"prompt={prompt}", "max_tokens=120", "seed=7"], cancellationToken);
        var text = new StringBuilder();
        int tokens = 0;
        await foreach (var token in engine.StreamAsync<GeneratedToken>(pipeline, new PipelineRunOptions { OutputDirectory = outputDirectory }, cancellationToken))
        {
            log.Write(token.Prompt); // the prompt, on each sequence's first token; null on the others
            log.Write(token.Text);
            text.Append(token.Text);
            tokens++;
        }

        log.WriteLine();

        // 2. Stop reading after 10 tokens: the run is cancelled and writes nothing.
        string stoppedOutput = outputDirectory + "-stopped";
        var second = engine.LoadFile(pipelinePath, [$"prompt={prompt}", "max_tokens=120", "seed=8"], cancellationToken);
        int read = 0;
        await foreach (var token in engine.StreamAsync<GeneratedToken>(second, new PipelineRunOptions { OutputDirectory = stoppedOutput }, cancellationToken))
        {
            if (++read == 10)
            {
                break;
            }
        }

        log.WriteLine($"stopped reading after {read} tokens");
        return new StreamingReport(
            text.ToString(), tokens, read, Directory.Exists(stoppedOutput) && Directory.EnumerateFileSystemEntries(stoppedOutput).Any());
    }
}
