using System.CommandLine;

namespace GenPipe.Cli.Commands;

/// <summary><c>genpipe validate pipeline.json [--set k=v]...</c>: compiles without running.</summary>
internal static class ValidateCommand
{
    public static Command Create(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var pipeline = new PipelineOptions();
        var command = new Command("validate", "Check a pipeline (types, references, options) without running it.");
        pipeline.AddTo(command);
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var host = globals.Read(parsed);
            try
            {
                await using var cli = CliHost.Create(host, error);
                var compiled = pipeline.Load(cli, parsed, error, cancellationToken);

                await output.WriteLineAsync(
                    $"{compiled.SourceFile}: valid pipeline '{compiled.Name}' " +
                    $"({compiled.Steps.Count} steps: {string.Join(" -> ", compiled.Steps.Select(s => s.Id))})").ConfigureAwait(false);
                return ExitCodes.Success;
            }
            catch (Exception ex)
            {
                return ErrorReporter.Report(ex, error, host.Verbose);
            }
        });
        return command;
    }
}
