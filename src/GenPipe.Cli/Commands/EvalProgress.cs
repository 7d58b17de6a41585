using Spectre.Console;

namespace GenPipe.Cli.Commands;

/// <summary>
/// Progress of <c>genpipe eval</c> by batch, then scoring: a bar on a terminal, one plain line per batch when stderr is
/// redirected (as <see cref="ConsoleProgress"/> does for steps), nothing when quiet.
/// </summary>
internal abstract class EvalProgress
{
    /// <summary>A batch of samples is drawn.</summary>
    public abstract void BatchDone(int done, int total, string description, TimeSpan elapsed);

    /// <summary>Sampling is over; the samples are being scored.</summary>
    public abstract void Scoring(string description);

    /// <summary>Scoring is over.</summary>
    public virtual void Finished()
    {
    }

    /// <summary>Runs <paramref name="work"/> with the progress that fits <paramref name="error"/>.</summary>
    public static async Task<T> RunAsync<T>(TextWriter error, bool quiet, int batches, Func<EvalProgress, Task<T>> work)
    {
        if (quiet)
        {
            return await work(new Silent()).ConfigureAwait(false);
        }

        if (!SpectreProgress.IsAvailable(error))
        {
            return await work(new Lines(error)).ConfigureAwait(false);
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return await console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .StartAsync(ctx => work(new Bars(ctx, batches)))
            .ConfigureAwait(false);
    }

    private sealed class Silent : EvalProgress
    {
        public override void BatchDone(int done, int total, string description, TimeSpan elapsed)
        {
        }

        public override void Scoring(string description)
        {
        }
    }

    private sealed class Lines(TextWriter writer) : EvalProgress
    {
        public override void BatchDone(int done, int total, string description, TimeSpan elapsed)
        {
            lock (writer)
            {
                writer.WriteLine($"[batch {done}/{total}] {description} ({elapsed.TotalSeconds:0.0} s)");
            }
        }

        public override void Scoring(string description)
        {
            lock (writer)
            {
                writer.WriteLine($"[score] {description}");
            }
        }
    }

    private sealed class Bars : EvalProgress
    {
        private readonly ProgressTask _sampling;
        private readonly ProgressTask _scoring;

        public Bars(ProgressContext context, int batches)
        {
            _sampling = context.AddTask("sampling", maxValue: Math.Max(1, batches));
            _scoring = context.AddTask("scoring", autoStart: false, maxValue: 1);
        }

        public override void BatchDone(int done, int total, string description, TimeSpan elapsed)
        {
            // Spectre reads descriptions as markup: a prompt could hold brackets.
            _sampling.Description = Markup.Escape($"sampling [{done}/{total}] {description}");
            _sampling.Value = done;
            if (done == total)
            {
                _sampling.StopTask();
            }
        }

        public override void Scoring(string description)
        {
            _scoring.StartTask();
            _scoring.Description = Markup.Escape($"scoring: {description}");
        }

        public override void Finished()
        {
            _scoring.Value = _scoring.MaxValue;
            _scoring.StopTask();
        }
    }
}
