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

    /// <summary>
    /// A table whose first column (an id, a name: one word to read and copy whole) never wraps; the other columns
    /// wrap between words when the terminal is narrow.
    /// </summary>
    public static Table NewTable(params string[] columns)
    {
        var table = new Table().Border(TableBorder.Simple);
        for (int i = 0; i < columns.Length; i++)
        {
            var column = new TableColumn(columns[i]);
            table.AddColumn(i == 0 ? column.NoWrap() : column);
        }

        return table;
    }

    public static string Escape(string text) => Markup.Escape(text);

    /// <summary>A paragraph indented under an entry, wrapped between words at the console's width.</summary>
    public static void WriteIndented(IAnsiConsole console, string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return;
        }

        console.Write(new Padder(new Paragraph(text), new Padding(6, 0, 0, 0)));
    }
}
