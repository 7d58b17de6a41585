using System.CommandLine;
using System.Globalization;
using GenPipe.Abstractions.Components;
using GenPipe.Abstractions.Models;
using GenPipe.Core.Pipelines;
using GenPipe.Core.Text;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace GenPipe.Cli.Commands;

/// <summary>
/// <c>genpipe schedulers</c> lists the schedulers with their aliases; <c>genpipe schedulers show &lt;id&gt; --steps N
/// [--set option=value]</c> prints the timesteps and sigmas a run would use.
/// </summary>
internal static class SchedulersCommand
{
    public static Command Create(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var command = new Command("schedulers", "List the diffusion schedulers, with their aliases (ComfyUI/A1111 names, diffusers class names).");
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var host = globals.Read(parsed);
            try
            {
                await using var cli = CliHost.Create(host, error);
                var console = Terminal.For(output);
                var table = Terminal.NewTable("scheduler", "aliases", "source", "description");
                foreach (var s in cli.Catalog.Components.Where(c => c.Descriptor.ContractType == typeof(IScheduler)).OrderBy(c => c.Descriptor.Id, StringComparer.Ordinal))
                {
                    table.AddRow(
                        Terminal.Escape(s.Descriptor.Id),
                        Terminal.Escape(string.Join(", ", s.Descriptor.Aliases)),
                        Terminal.Escape(s.Source.Name),
                        Terminal.Escape(s.Descriptor.Description));
                }

                console.Write(table);
                return ExitCodes.Success;
            }
            catch (Exception ex)
            {
                return ErrorReporter.Report(ex, error, host.Verbose);
            }
        });
        command.Subcommands.Add(CreateShow(globals, output, error));
        return command;
    }

    private static Command CreateShow(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var id = new Argument<string>("id") { Description = "A scheduler id or alias, e.g. scheduler/ddim, euler_a, dpmpp_2m_karras." };
        var steps = new Option<int>("--steps", "-n") { Description = "Number of inference steps.", DefaultValueFactory = _ => 20 };
        var set = new Option<string[]>("--set")
        {
            Description = "A scheduler option, e.g. --set timestep_spacing=trailing --set use_karras_sigmas=true (repeatable).",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var command = new Command("show", "Print the timesteps and sigmas of a scheduler for a number of steps.");
        command.Arguments.Add(id);
        command.Options.Add(steps);
        command.Options.Add(set);
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var host = globals.Read(parsed);
            try
            {
                await using var cli = CliHost.Create(host, error);
                string name = parsed.GetValue(id)!;
                if (!cli.Catalog.TryGetComponent(name, out var registered) || registered.Descriptor.ContractType != typeof(IScheduler))
                {
                    var schedulerNames = cli.Catalog.Components
                        .Where(c => c.Descriptor.ContractType == typeof(IScheduler))
                        .SelectMany(c => c.Descriptor.Aliases.Prepend(c.Descriptor.Id));
                    string? suggestion = NameSuggester.Suggest(name, schedulerNames);
                    await error.WriteLineAsync(
                        $"error: '{name}' is not a scheduler." + (suggestion is null ? "" : $" Did you mean '{suggestion}'?") +
                        " Run 'genpipe schedulers' to see them.").ConfigureAwait(false);
                    return ExitCodes.InvalidInput;
                }

                int count = parsed.GetValue(steps);
                if (count < 1)
                {
                    await error.WriteLineAsync($"error: --steps must be at least 1, not {count}.").ConfigureAwait(false);
                    return ExitCodes.InvalidInput;
                }

                string[] settings = parsed.GetValue(set) ?? [];
                var scheduler = await CreateAsync(registered.Descriptor, settings, error, cancellationToken).ConfigureAwait(false);

                Write(Terminal.For(output), registered.Descriptor.Id, scheduler, scheduler.SetTimesteps(count), count);
                return ExitCodes.Success;
            }
            catch (Exception ex)
            {
                return ErrorReporter.Report(ex, error, host.Verbose);
            }
        });
        return command;
    }

    /// <summary>The scheduler with the <c>--set</c> options bound as a pipeline binds them (bad settings throw).</summary>
    private static async Task<IScheduler> CreateAsync(ComponentDescriptor descriptor, string[] settings, TextWriter error, CancellationToken cancellationToken)
    {
        object bound = ComponentOptions.Bind(descriptor, settings, out var warnings);
        foreach (var warning in warnings)
        {
            await error.WriteLineAsync(warning.ToString()).ConfigureAwait(false);
        }

        await using var services = new ServiceCollection().BuildServiceProvider();
        var context = new ComponentActivationContext { Name = descriptor.Id, Options = bound, Services = services };
        return (IScheduler)await descriptor.Factory(context, cancellationToken).ConfigureAwait(false);
    }

    private static void Write(IAnsiConsole console, string id, IScheduler scheduler, ISchedulerSession session, int steps)
    {
        string name = id == scheduler.Id ? id : $"{id} (a preset of {scheduler.Id})";
        console.WriteLine($"{name}: {steps} steps, {session.Timesteps.Count} timesteps, order {session.Order}, " +
                          $"init_noise_sigma {Format(session.InitNoiseSigma)}, prediction {scheduler.PredictionType}");
        var sigmas = session.Sigmas;
        var table = sigmas is null ? Terminal.NewTable("i", "timestep") : Terminal.NewTable("i", "timestep", "sigma");
        int rows = Math.Max(session.Timesteps.Count, sigmas?.Count ?? 0);
        for (int i = 0; i < rows; i++)
        {
            string t = i < session.Timesteps.Count ? Format(session.Timesteps[i]) : "";
            if (sigmas is null)
            {
                table.AddRow(i.ToString(CultureInfo.InvariantCulture), t);
            }
            else
            {
                table.AddRow(i.ToString(CultureInfo.InvariantCulture), t, i < sigmas.Count ? Format(sigmas[i]) : "");
            }
        }

        console.Write(table);
    }

    private static string Format(float value) => value.ToString("R", CultureInfo.InvariantCulture);
}
