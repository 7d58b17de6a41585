using GenPipe.Abstractions.Operators;
using Spectre.Console;

namespace GenPipe.Cli.Commands;

/// <summary>Live progress bars on a terminal: one bar per pipeline step, advanced by its iterations.</summary>
internal sealed class SpectreProgress(ProgressContext context) : IProgress<PipelineProgress>
{
    private readonly Dictionary<string, ProgressTask> _tasks = new(StringComparer.Ordinal);

    /// <summary>True when stderr is a terminal, where live bars make sense.</summary>
    public static bool IsAvailable(TextWriter writer) => ReferenceEquals(writer, Console.Error) && !Console.IsErrorRedirected;

    /// <summary>Runs <paramref name="work"/> while drawing its progress on stderr.</summary>
    public static Task<T> RunAsync<T>(Func<IProgress<PipelineProgress>, Task<T>> work)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .StartAsync(ctx => work(new SpectreProgress(ctx)));
    }

    public void Report(PipelineProgress value)
    {
        lock (_tasks)
        {
            if (!_tasks.TryGetValue(value.StepId, out var task))
            {
                // Spectre reads descriptions as markup: "[1/3]" would be a style tag, and a step id could hold brackets.
                task = context.AddTask(Markup.Escape($"[{value.StepIndex + 1}/{value.StepCount}] {value.StepId}"), maxValue: 1);
                _tasks[value.StepId] = task;
            }

            switch (value.Kind)
            {
                case PipelineProgressKind.Iteration:
                    task.MaxValue = Math.Max(1, value.IterationCount);
                    task.Value = value.Iteration;
                    break;
                case PipelineProgressKind.StepCompleted:
                    task.Value = task.MaxValue;
                    task.StopTask();
                    break;
                case PipelineProgressKind.StepCached:
                    task.Description += " (unchanged, reused)";
                    task.Value = task.MaxValue;
                    task.StopTask();
                    break;
            }
        }
    }
}
