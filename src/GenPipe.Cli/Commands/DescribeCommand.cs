using System.CommandLine;
using GenPipe.Core.Catalog;
using GenPipe.Core.Pipelines;
using GenPipe.Core.Text;
using Spectre.Console;

namespace GenPipe.Cli.Commands;

/// <summary><c>genpipe describe &lt;id&gt;</c>: a component type's options (types, defaults) or an operator's signature.</summary>
internal static class DescribeCommand
{
    public static Command Create(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var id = new Argument<string>("id") { Description = "A component type id (e.g. scheduler/ddim) or an operator name (e.g. diffuse)." };
        var command = new Command("describe", "Show a component type's options, types and defaults, or an operator's inputs.");
        command.Arguments.Add(id);
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var host = globals.Read(parsed);
            try
            {
                await using var cli = CliHost.Create(host, error);
                string name = parsed.GetValue(id)!;
                var console = Terminal.For(output);
                if (cli.Catalog.TryGetComponent(name, out var component))
                {
                    WriteComponent(console, component);
                    return ExitCodes.Success;
                }

                if (cli.Catalog.TryGetOperator(name, out var op))
                {
                    WriteOperator(console, op);
                    return ExitCodes.Success;
                }

                string? suggestion = NameSuggester.Suggest(name, cli.Catalog.ComponentNames.Concat(cli.Catalog.OperatorNames));
                await error.WriteLineAsync(
                    $"error: no component type or operator named '{name}'." +
                    (suggestion is null ? "" : $" Did you mean '{suggestion}'?") +
                    " Run 'genpipe list' to see what is available.").ConfigureAwait(false);
                return ExitCodes.InvalidInput;
            }
            catch (Exception ex)
            {
                return ErrorReporter.Report(ex, error, host.Verbose);
            }
        });
        return command;
    }

    private static void WriteComponent(IAnsiConsole console, RegisteredComponent component)
    {
        var d = component.Descriptor;
        console.WriteLine($"{d.Id}: {d.Description}");
        console.WriteLine($"  contract: {string.Join(" + ", d.Contracts.Select(c => c.Name))}");
        console.WriteLine($"  source:   {component.Source}");
        if (d.Aliases.Count > 0)
        {
            console.WriteLine($"  aliases:  {string.Join(", ", d.Aliases)}");
        }

        console.WriteLine($"  needs a 'source' (weights): {(d.RequiresSource ? "yes" : "no")}");
        var options = ComponentOptions.Describe(d.OptionsType);
        if (options.Count == 0)
        {
            console.WriteLine("  options: none");
            return;
        }

        var table = Terminal.NewTable("option", "type", "default", "accepts", "description");
        foreach (var option in options)
        {
            table.AddRow(
                Terminal.Escape(option.Key),
                Terminal.Escape(TypeNames.Of(option.Type)),
                Terminal.Escape(option.DefaultJson),
                Terminal.Escape(option.Domain),
                Terminal.Escape(option.Description));
        }

        console.Write(table);
        if (d.IgnoresUnknownOptions)
        {
            console.WriteLine("Unknown option keys are reported as warnings, so configs of related components can be shared.");
        }
    }

    private static void WriteOperator(IAnsiConsole console, RegisteredOperator op)
    {
        var s = op.Operator.Signature;
        console.WriteLine($"{s.Name}: {s.Description}");
        console.WriteLine($"  source: {op.Source}");
        console.WriteLine($"  output: {TypeNames.Of(s.OutputType)}{(s.Cacheable ? "" : " (always runs; not cached)")}");
        if (s.Components.Count > 0)
        {
            var slots = Terminal.NewTable("with", "contract", "required", "description");
            foreach (var slot in s.Components)
            {
                slots.AddRow(Terminal.Escape(slot.Name), Terminal.Escape(slot.ContractType.Name), slot.Required ? "yes" : "no", Terminal.Escape(slot.Description));
            }

            console.Write(slots);
        }

        var inputs = Terminal.NewTable("in", "type", "required", "default", "accepts", "description");
        foreach (var input in s.Inputs)
        {
            inputs.AddRow(
                Terminal.Escape(input.Name),
                Terminal.Escape(TypeNames.Of(input.Type)),
                input.Required ? "yes" : "no",
                Terminal.Escape(input.Default?.ToString() ?? ""),
                Terminal.Escape(input.DomainText()),
                Terminal.Escape(input.Description));
        }

        console.Write(inputs);
    }
}
