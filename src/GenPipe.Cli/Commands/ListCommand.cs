using System.CommandLine;
using GenPipe.Core.Catalog;
using Spectre.Console;

namespace GenPipe.Cli.Commands;

/// <summary>
/// <c>genpipe list</c>: plugins, component types and operators, with where each comes from; <c>--contract</c> lists the
/// component types of one contract only (<c>--contract scheduler</c>), whatever family provides them.
/// </summary>
internal static class ListCommand
{
    public static Command Create(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var contract = new Option<string?>("--contract")
        {
            Description = "Only the component types of this contract, e.g. scheduler, denoiser, decoder (the interface name, with or without its I).",
        };
        var command = new Command("list", "List loaded plugins, component types and operators, with their sources.");
        command.Options.Add(contract);
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var host = globals.Read(parsed);
            try
            {
                await using var cli = CliHost.Create(host, error);
                var console = Terminal.For(output);
                if (parsed.GetValue(contract) is { } wanted)
                {
                    return await ListContractAsync(cli, wanted, console, error).ConfigureAwait(false);
                }

                var plugins = Terminal.NewTable("plugin", "version", "contracts");
                foreach (var plugin in cli.Plugins.Plugins)
                {
                    plugins.AddRow(
                        Terminal.Escape(plugin.Name),
                        Terminal.Escape(plugin.Version?.ToString() ?? ""),
                        Terminal.Escape(plugin.ContractVersion?.ToString() ?? ""));
                }

                console.Write(new Rule("Plugins").LeftJustified());
                console.Write(plugins);

                // Paths go on lines of their own, outside any table: a table cell would break them mid-word to fit the
                // terminal, and a path is something to copy whole.
                await output.WriteLineAsync("  loaded from:").ConfigureAwait(false);
                foreach (var plugin in cli.Plugins.Plugins)
                {
                    await output.WriteLineAsync($"    {plugin.Name}: {plugin.Path ?? "(referenced by the host, no file)"}").ConfigureAwait(false);
                }

                await output.WriteLineAsync().ConfigureAwait(false);

                // Components and operators as entries, not table rows: an id and its description are read whole,
                // and a narrow terminal would squeeze a five-column table into broken words.
                console.Write(new Rule("Components").LeftJustified());
                WriteComponents(console, cli.Catalog.Components);

                console.WriteLine();
                console.Write(new Rule("Operators").LeftJustified());
                foreach (var op in cli.Catalog.Operators.OrderBy(o => o.Name, StringComparer.Ordinal))
                {
                    console.MarkupLine($"  [bold]{Terminal.Escape(op.Name)}[/]  {Terminal.Escape($"({op.Source.Name})")}");
                    Terminal.WriteIndented(console, op.Operator.Signature.Description);
                }

                console.WriteLine();
                if (cli.Plugins.HasProblems)
                {
                    console.Write(new Rule("Problems").LeftJustified());
                    foreach (string problem in cli.Plugins.ProblemMessages)
                    {
                        console.WriteLine(problem);
                    }
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

    private static async Task<int> ListContractAsync(CliHost cli, string wanted, IAnsiConsole console, TextWriter error)
    {
        var contracts = cli.Catalog.Components.SelectMany(c => c.Descriptor.Contracts).Distinct().ToArray();
        var match = contracts.FirstOrDefault(t =>
            string.Equals(t.Name, wanted, StringComparison.OrdinalIgnoreCase) || string.Equals(t.Name, "I" + wanted, StringComparison.OrdinalIgnoreCase));
        if (match is null)
        {
            string names = string.Join(", ", contracts.Select(t => t.Name.StartsWith('I') ? t.Name[1..].ToLowerInvariant() : t.Name).Order(StringComparer.Ordinal));
            await error.WriteLineAsync($"error: no component type implements a contract named '{wanted}'; the contracts are: {names}.").ConfigureAwait(false);
            return ExitCodes.InvalidInput;
        }

        WriteComponents(console, cli.Catalog.Components.Where(c => c.Descriptor.Contracts.Contains(match)));
        return ExitCodes.Success;
    }

    private static void WriteComponents(IAnsiConsole console, IEnumerable<RegisteredComponent> components)
    {
        foreach (var component in components.OrderBy(c => c.Descriptor.Id, StringComparer.Ordinal))
        {
            var d = component.Descriptor;
            string aliases = d.Aliases.Count > 0 ? $"; aliases {string.Join(", ", d.Aliases)}" : "";
            console.MarkupLine($"  [bold]{Terminal.Escape(d.Id)}[/]  {Terminal.Escape($"({string.Join(" + ", d.Contracts.Select(c => c.Name))}, {component.Source.Name}{aliases})")}");
            Terminal.WriteIndented(console, d.Description);
        }
    }
}
