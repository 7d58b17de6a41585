using System.Globalization;
using GenPipe.Abstractions.Components;
using GenPipe.Abstractions.Models;

namespace GenPipe.Schedulers;

/// <summary>
/// <c>genpipe inspect &lt;scheduler&gt; steps=N</c>: the timesteps and sigmas a run of N steps would use, with the
/// session's order and initial noise scale, as diffusers' <c>set_timesteps</c> computes them.
/// </summary>
public sealed class SchedulerInspector : IComponentInspector
{
    /// <inheritdoc />
    public Type ContractType => typeof(IScheduler);

    /// <inheritdoc />
    public IReadOnlyList<InspectorArgument> Arguments { get; } = [new("steps", "Number of inference steps.", "20")];

    /// <inheritdoc />
    public ComponentInspection Inspect(object component, string id, IReadOnlyDictionary<string, string> arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var scheduler = (IScheduler)component;
        string text = arguments.TryGetValue("steps", out var given) ? given : "20";
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int steps) || steps < 1)
        {
            throw new ArgumentException($"steps must be a whole number of at least 1, not '{text}'.");
        }

        var session = scheduler.SetTimesteps(steps);
        string name = id == scheduler.Id ? id : $"{id} (a preset of {scheduler.Id})";
        string summary = $"{name}: {steps} steps, {session.Timesteps.Count} timesteps, order {session.Order}, " +
            $"init_noise_sigma {Format(session.InitNoiseSigma)}, prediction {scheduler.PredictionType}";
        var sigmas = session.Sigmas;
        int rows = Math.Max(session.Timesteps.Count, sigmas?.Count ?? 0);
        var table = new List<IReadOnlyList<string>>(rows);
        for (int i = 0; i < rows; i++)
        {
            string t = i < session.Timesteps.Count ? Format(session.Timesteps[i]) : "";
            table.Add(sigmas is null
                ? [i.ToString(CultureInfo.InvariantCulture), t]
                : [i.ToString(CultureInfo.InvariantCulture), t, i < sigmas.Count ? Format(sigmas[i]) : ""]);
        }

        return new ComponentInspection(summary, sigmas is null ? ["i", "timestep"] : ["i", "timestep", "sigma"], table);
    }

    private static string Format(float value) => value.ToString("R", CultureInfo.InvariantCulture);
}
