using Spectre.Console;

namespace GenPipe.Cli.Commands;

/// <summary>Spectre.Console over the command's output writer: rich on a terminal, plain and wide when redirected.</summary>
internal static class Terminal
{
    public static IAnsiConsole For(TextWriter writer)
    {
        bool isTerminal = ReferenceEquals(writer, Console.Out) && !Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = isTerminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = isTerminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = isTerminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!isTerminal)
        {
            console.Profile.Width = 160;
        }

        return console;
    }

    public static Table NewTable(params string[] columns)
    {
        var table = new Table().Border(TableBorder.Simple);
        foreach (string column in columns)
        {
            table.AddColumn(new TableColumn(column));
        }

        return table;
    }

    public static string Escape(string text) => Markup.Escape(text);
}
