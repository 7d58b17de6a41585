using System.CommandLine;
using Spectre.Console;

namespace GenPipe.Cli.Commands;

/// <summary><c>genpipe list</c>: plugins, component types and operators, with where each comes from.</summary>
internal static class ListCommand
{
    public static Command Create(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var command = new Command("list", "List loaded plugins, component types and operators, with their sources.");
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var host = globals.Read(parsed);
            try
            {
                await using var cli = CliHost.Create(host, error);
                var console = Terminal.For(output);

                var plugins = Terminal.NewTable("plugin", "version", "contracts", "path");
                foreach (var plugin in cli.Plugins.Plugins)
                {
                    plugins.AddRow(
                        Terminal.Escape(plugin.Name),
                        Terminal.Escape(plugin.Version?.ToString() ?? ""),
                        Terminal.Escape(plugin.ContractVersion?.ToString() ?? ""),
                        Terminal.Escape(plugin.Path ?? "(static)"));
                }

                console.Write(new Rule("Plugins").LeftJustified());
                console.Write(plugins);

                var components = Terminal.NewTable("component", "contract", "source", "aliases", "description");
                foreach (var component in cli.Catalog.Components.OrderBy(c => c.Descriptor.Id, StringComparer.Ordinal))
                {
                    var d = component.Descriptor;
                    components.AddRow(
                        Terminal.Escape(d.Id),
                        Terminal.Escape(d.ContractType.Name),
                        Terminal.Escape(component.Source.Name),
                        Terminal.Escape(string.Join(", ", d.Aliases)),
                        Terminal.Escape(d.Description));
                }

                console.Write(new Rule("Components").LeftJustified());
                console.Write(components);

                var operators = Terminal.NewTable("operator", "source", "description");
                foreach (var op in cli.Catalog.Operators.OrderBy(o => o.Name, StringComparer.Ordinal))
                {
                    operators.AddRow(
                        Terminal.Escape(op.Name),
                        Terminal.Escape(op.Source.Name),
                        Terminal.Escape(op.Operator.Signature.Description));
                }

                console.Write(new Rule("Operators").LeftJustified());
                console.Write(operators);

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
}
