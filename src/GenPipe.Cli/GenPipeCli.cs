using System.CommandLine;
using GenPipe.Cli.Commands;

namespace GenPipe.Cli;

/// <summary>The <c>genpipe</c> command line: parses arguments and dispatches to the commands.</summary>
public static class GenPipeCli
{
    /// <summary>Runs the command line with <paramref name="args"/>, writing to the given streams; returns the exit code.</summary>
    public static async Task<int> InvokeAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);

        var globals = new GlobalOptions();
        var root = new RootCommand("GenPipe: run generative-model pipelines defined in JSON, with models and schedulers from plugins.");
        globals.AddTo(root);
        root.Subcommands.Add(RunCommand.Create(globals, output, error));
        root.Subcommands.Add(ValidateCommand.Create(globals, output, error));
        root.Subcommands.Add(ListCommand.Create(globals, output, error));
        root.Subcommands.Add(DescribeCommand.Create(globals, output, error));
        root.Subcommands.Add(InspectCommand.Create(globals, output, error));
        root.Subcommands.Add(TokenizeCommand.Create(globals, output, error));
        root.Subcommands.Add(EvalCommand.Create(globals, output, error));
        ExitCodesHelpAction.AddTo(root);

        var parsed = root.Parse(args);
        // Help is shown even when the rest of the line is incomplete ("genpipe run --help" has no pipeline).
        if (parsed.Errors.Count > 0 && parsed.Action is not ExitCodesHelpAction)
        {
            foreach (var parseError in parsed.Errors)
            {
                await error.WriteLineAsync($"error: {parseError.Message}").ConfigureAwait(false);
            }

            await error.WriteLineAsync("Run 'genpipe --help' for usage.").ConfigureAwait(false);
            return ExitCodes.InvalidInput;
        }

        // Signals are the caller's (Program's ProcessSignals cancels cancellationToken): System.CommandLine's own handler
        // would end the process with a stack trace on a second Ctrl+C.
        var invocation = new InvocationConfiguration { Output = output, Error = error, ProcessTerminationTimeout = null };
        return await parsed.InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
    }
}
