using System.Diagnostics;
using GenPipe.Abstractions.Operators;

namespace GenPipe.Cli.Commands;

/// <summary>
/// Progress as plain lines, for redirected output and logs: one line per step, and for iterating steps a line at most
/// every two seconds plus the last one. (On a terminal, <see cref="SpectreProgress"/> draws live bars instead.)
/// </summary>
internal sealed class ConsoleProgress(TextWriter writer) : IProgress<PipelineProgress>
{
    private readonly Stopwatch _sinceLastLine = Stopwatch.StartNew();

    public void Report(PipelineProgress value)
    {
        string prefix = $"[{value.StepIndex + 1}/{value.StepCount}] {value.StepId}";
        string? line = value.Kind switch
        {
            PipelineProgressKind.StepStarted => $"{prefix} started",
            PipelineProgressKind.Iteration when value.Iteration == value.IterationCount || _sinceLastLine.Elapsed > TimeSpan.FromSeconds(2)
                => $"{prefix} {value.Iteration}/{value.IterationCount}",
            PipelineProgressKind.StepCompleted => $"{prefix} done ({value.Elapsed.TotalMilliseconds:0} ms)",
            PipelineProgressKind.StepCached => $"{prefix} unchanged, reused",
            _ => null,
        };
        if (line is null)
        {
            return;
        }

        lock (writer)
        {
            writer.WriteLine(line);
            _sinceLastLine.Restart();
        }
    }
}
