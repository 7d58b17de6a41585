using System.CommandLine;
using GenPipe.Abstractions.Components;
using GenPipe.Core.Catalog;
using GenPipe.Core.Pipelines;
using GenPipe.Core.Text;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace GenPipe.Cli.Commands;

/// <summary>
/// <c>genpipe inspect &lt;id&gt; [name=value ...] [--set option=value]</c>: creates one component with its options and
/// prints what the <see cref="IComponentInspector"/> its plugin registered for its contract shows. The command knows no
/// family: a scheduler's timesteps come from the schedulers plugin's inspector.
/// </summary>
internal static class InspectCommand
{
    public static Command Create(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var id = new Argument<string>("id") { Description = "A component type id or alias, e.g. scheduler/ddim, euler_a, dpmpp_2m_karras." };
        var arguments = new Argument<string[]>("arguments")
        {
            Description = "The inspector's arguments as name=value, e.g. steps=12 for a scheduler.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var set = new Option<string[]>("--set")
        {
            Description = "A component option, e.g. --set timestep_spacing=trailing --set use_karras_sigmas=true (repeatable).",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var command = new Command("inspect", "Show what a component will do with its options (a scheduler: the timesteps and sigmas of a run).");
        command.Arguments.Add(id);
        command.Arguments.Add(arguments);
        command.Options.Add(set);
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var host = globals.Read(parsed);
            try
            {
                await using var cli = CliHost.Create(host, error);
                string name = parsed.GetValue(id)!;
                var inspectors = cli.Services.GetServices<IComponentInspector>().ToArray();
                if (!cli.Catalog.TryGetComponent(name, out var registered))
                {
                    string? suggestion = NameSuggester.Suggest(name, Inspectable(cli.Catalog, inspectors));
                    await error.WriteLineAsync(
                        $"error: no component type '{name}'." + (suggestion is null ? "" : $" Did you mean '{suggestion}'?") +
                        " Run 'genpipe list' to see them.").ConfigureAwait(false);
                    return ExitCodes.InvalidInput;
                }

                var inspector = inspectors.FirstOrDefault(i => registered.Descriptor.Serves(i.ContractType));
                if (inspector is null)
                {
                    await error.WriteLineAsync(
                        $"error: no plugin can inspect '{registered.Descriptor.Id}' ({registered.Descriptor.ContractType.Name}); the loaded plugins inspect: " +
                        $"{string.Join(", ", inspectors.Select(i => i.ContractType.Name).Distinct().DefaultIfEmpty("nothing"))}.").ConfigureAwait(false);
                    return ExitCodes.InvalidInput;
                }

                if (ParseArguments(parsed.GetValue(arguments) ?? [], inspector) is not { } values)
                {
                    await error.WriteLineAsync(
                        $"error: '{registered.Descriptor.Id}' takes {Usage(inspector)}.").ConfigureAwait(false);
                    return ExitCodes.InvalidInput;
                }

                object component = await CreateAsync(registered.Descriptor, parsed.GetValue(set) ?? [], cli.Services, error, cancellationToken).ConfigureAwait(false);
                ComponentInspection inspection;
                try
                {
                    inspection = inspector.Inspect(component, registered.Descriptor.Id, values);
                }
                catch (ArgumentException invalid)
                {
                    await error.WriteLineAsync($"error: {invalid.Message}").ConfigureAwait(false);
                    return ExitCodes.InvalidInput;
                }

                var console = Terminal.For(output);
                console.WriteLine(inspection.Summary);
                var table = Terminal.NewTable([.. inspection.Columns]);
                foreach (var row in inspection.Rows)
                {
                    table.AddRow([.. row.Select(Terminal.Escape)]);
                }

                console.Write(table);
                return ExitCodes.Success;
            }
            catch (Exception ex)
            {
                return ErrorReporter.Report(ex, error, host.Verbose);
            }
        });
        return command;
    }

    // name=value pairs the inspector declares; null when one is malformed or unknown.
    private static Dictionary<string, string>? ParseArguments(string[] given, IComponentInspector inspector)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string argument in given)
        {
            int equals = argument.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || !inspector.Arguments.Any(a => a.Name == argument[..equals]))
            {
                return null;
            }

            values[argument[..equals]] = argument[(equals + 1)..];
        }

        return values;
    }

    private static string Usage(IComponentInspector inspector) => inspector.Arguments.Count == 0
        ? "no arguments"
        : string.Join(", ", inspector.Arguments.Select(a => $"{a.Name}=<value> ({a.Description} Default {a.Default}.)"));

    private static IEnumerable<string> Inspectable(ComponentCatalog catalog, IComponentInspector[] inspectors) => catalog.Components
        .Where(c => inspectors.Any(i => c.Descriptor.Serves(i.ContractType)))
        .SelectMany(c => c.Descriptor.Aliases.Prepend(c.Descriptor.Id));

    /// <summary>The component with the <c>--set</c> options bound as a pipeline binds them (bad settings throw).</summary>
    private static async Task<object> CreateAsync(ComponentDescriptor descriptor, string[] settings, IServiceProvider services, TextWriter error, CancellationToken cancellationToken)
    {
        object bound = ComponentOptions.Bind(descriptor, settings, out var warnings);
        foreach (var warning in warnings)
        {
            await error.WriteLineAsync(warning.ToString()).ConfigureAwait(false);
        }

        var context = new ComponentActivationContext { Name = descriptor.Id, Options = bound, Services = services };
        return await descriptor.Factory(context, cancellationToken).ConfigureAwait(false);
    }
}
