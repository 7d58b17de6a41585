using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace GenPipe.Cli.Commands;

/// <summary><c>--help</c> as System.CommandLine writes it, followed by the exit codes a script can rely on.</summary>
internal sealed class ExitCodesHelpAction(HelpAction help) : SynchronousCommandLineAction
{
    public const string Text = """
        Exit codes:
          0  success
          1  failure while running, or cancelled (Ctrl+C, SIGTERM); nothing was written
          2  invalid input (pipeline, --set, settings, arguments); nothing ran, nothing was written
        """;

    /// <summary>Puts the exit codes under the help of <paramref name="root"/> and of every command below it.</summary>
    public static void AddTo(RootCommand root)
    {
        foreach (var option in root.Options.OfType<HelpOption>())
        {
            if (option.Action is HelpAction help)
            {
                option.Action = new ExitCodesHelpAction(help);
            }
        }
    }

    public override int Invoke(ParseResult parseResult)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        int code = help.Invoke(parseResult);
        var output = parseResult.InvocationConfiguration.Output;
        output.WriteLine();
        output.WriteLine(Text);
        return code;
    }
}
