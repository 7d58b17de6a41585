using System.CommandLine;
using GenPipe.Abstractions.Operators;
using GenPipe.Core;
using GenPipe.Tensors;

namespace GenPipe.Cli.Commands;

/// <summary><c>genpipe run pipeline.json [--set k=v]... [--out DIR]</c>.</summary>
internal static class RunCommand
{
    public static Command Create(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var pipeline = new PipelineOptions();
        var outDir = new Option<string?>("--out", "-o")
        {
            Description = "Output folder (default: out/<pipeline name>). Files appear only when the run succeeds.",
        };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "No progress output." };
        var command = new Command("run", "Validate and run a pipeline, writing its files to the output folder.");
        pipeline.AddTo(command);
        command.Options.Add(outDir);
        command.Options.Add(quiet);

        command.SetAction(async (parsed, cancellationToken) =>
        {
            var host = globals.Read(parsed);
            try
            {
                await using var cli = CliHost.Create(host, error);
                var compiled = pipeline.Load(cli, parsed, error, cancellationToken);

                string outputDirectory = Path.GetFullPath(parsed.GetValue(outDir) ?? Path.Combine("out", compiled.Name));
                if (ExistingFileOnPath(outputDirectory) is { } blocking)
                {
                    // Refused before the run: the files could not be moved there, and the work would be thrown away.
                    await error.WriteLineAsync(
                        $"--out {parsed.GetValue(outDir) ?? outputDirectory}: error: '{blocking}' is a file, not a folder; " +
                        "give a folder (it is created when missing) or move the file away. Nothing was run.").ConfigureAwait(false);
                    return ExitCodes.InvalidInput;
                }

                var runOptions = new PipelineRunOptions { OutputDirectory = outputDirectory };
                Task<PipelineResult> Run(IProgress<PipelineProgress>? progress) =>
                    cli.Engine.RunAsync(compiled, runOptions, progress, cancellationToken);
                bool quietRun = parsed.GetValue(quiet);

                // Streamed output (generated text) is the result itself, printed even when quiet; live bars would cut into it.
                bool streams = compiled.Steps.Any(s => s.Operator.Signature.StreamsOutput);
                var result = streams ? await Run(new TextStreamWriter(output, quietRun ? null : new ConsoleProgress(error))).ConfigureAwait(false)
                    : quietRun ? await Run(null).ConfigureAwait(false)
                    : SpectreProgress.IsAvailable(error) ? await SpectreProgress.RunAsync(Run).ConfigureAwait(false)
                    : await Run(new ConsoleProgress(error)).ConfigureAwait(false);

                await output.WriteLineAsync($"{compiled.Name}: done in {result.Elapsed.TotalSeconds:0.00} s").ConfigureAwait(false);
                foreach (var (name, value) in result.Outputs)
                {
                    await output.WriteLineAsync($"  output {name}: {Describe(value)}").ConfigureAwait(false);
                }

                foreach (string file in result.Files)
                {
                    await output.WriteLineAsync($"  wrote {ShortPath(file)}").ConfigureAwait(false);
                }

                return ExitCodes.Success;
            }
            catch (Exception ex)
            {
                return ErrorReporter.Report(ex, error, host.Verbose);
            }
        });
        return command;
    }

    /// <summary>The path relative to the current folder when it lies below it, else the full path.</summary>
    private static string ShortPath(string file)
    {
        string relative = Path.GetRelativePath(Environment.CurrentDirectory, file);
        return relative.StartsWith("..", StringComparison.Ordinal) ? file : relative;
    }

    // The output folder or the nearest of its parents that exists, when that is a file (the folder cannot be made).
    private static string? ExistingFileOnPath(string folder)
    {
        for (string? path = folder; !string.IsNullOrEmpty(path); path = Path.GetDirectoryName(path))
        {
            if (File.Exists(path))
            {
                return path;
            }

            if (Directory.Exists(path))
            {
                return null;
            }
        }

        return null;
    }

    private static string Describe(object value) => value switch
    {
        Tensor t => $"tensor {Tensor.FormatShape(t.Shape)}",
        IOutputSummary summary => summary.Summary,
        string[] files => $"{files.Length} file(s)",
        _ => value.ToString() ?? "",
    };
}
