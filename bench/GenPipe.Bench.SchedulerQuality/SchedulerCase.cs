using System.Text.Json.Nodes;
using GenPipe.Abstractions.Components;
using GenPipe.Abstractions.Models;
using GenPipe.Tensors;

namespace GenPipe.Bench.SchedulerQuality;

/// <summary>One registered scheduler with the options the bench binds, and whether (and why not) it can be measured.</summary>
internal sealed record SchedulerCase(ComponentDescriptor Descriptor, JsonObject Options, bool Stochastic, string? NotApplicable)
{
    public string Id => Descriptor.Id;

    /// <summary>The timestep spacing the scheduler runs with, or null when it has no such option.</summary>
    public string? Spacing => BenchHost.EffectiveSpacing(Descriptor, Options);

    /// <summary>
    /// Creates the scheduler with <paramref name="host"/>'s options and runs a few steps outside the engine to learn
    /// whether it draws noise. A scheduler that rejects the options or expects another prediction type is not applicable.
    /// </summary>
    public static async Task<SchedulerCase> ClassifyAsync(BenchHost host, ComponentDescriptor descriptor, string spacing)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(descriptor);
        var options = host.SchedulerOptions(descriptor, spacing);
        IScheduler scheduler;
        try
        {
            scheduler = await host.CreateSchedulerAsync(descriptor, options).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or System.Text.Json.JsonException)
        {
            return new SchedulerCase(descriptor, options, false, $"rejects the mixture's options: {ex.Message}");
        }

        if (scheduler.PredictionType != PredictionType.Epsilon)
        {
            return new SchedulerCase(
                descriptor, options, false,
                $"expects {scheduler.PredictionType} predictions; the exact mixture denoiser predicts epsilon on a VP schedule");
        }

        try
        {
            return new SchedulerCase(descriptor, options, await DrawsNoiseAsync(scheduler, host.Denoiser).ConfigureAwait(false), null);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or NotSupportedException)
        {
            return new SchedulerCase(descriptor, options, false, $"fails on a 10-step probe: {ex.Message}");
        }
    }

    private static async Task<bool> DrawsNoiseAsync(IScheduler scheduler, IDenoiser denoiser)
    {
        var random = new CountingRandomSource(new TorchGenerator(1));
        var session = scheduler.SetTimesteps(10);
        var x = new TorchGenerator(0).Randn([4, .. denoiser.SampleShape]).Multiply(session.InitNoiseSigma);
        long before = random.Draws;
        foreach (float t in session.Timesteps)
        {
            var prediction = await denoiser.PredictAsync(new DenoiserInput(session.ScaleModelInput(x, t), t, null), CancellationToken.None).ConfigureAwait(false);
            x = session.Step(prediction, t, x, random).PrevSample;
        }

        return random.Draws > before;
    }
}
