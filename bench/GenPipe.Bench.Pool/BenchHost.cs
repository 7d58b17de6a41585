using GenPipe.Autoregressive;
using GenPipe.Core;
using GenPipe.Diffusion;
using GenPipe.Sampling;
using GenPipe.Schedulers;
using Microsoft.Extensions.DependencyInjection;

namespace GenPipe.Bench.Pool;

/// <summary>The engine as an embedding app gets it (AddGenPipe and the static plugins), and the shipped files.</summary>
internal static class BenchHost
{
    /// <summary>The pipelines copied beside the app; fortune.json finds its models at ../models from here.</summary>
    public static string PipelinesFolder => Path.Combine(AppContext.BaseDirectory, "pipelines");

    public static string MixturePipeline => Path.Combine(PipelinesFolder, "gaussian-mixture.json");

    public static string FortunePipeline => Path.Combine(PipelinesFolder, "fortune.json");

    /// <summary>A container whose engine's pool has <paramref name="budget"/> (null: the memory available).</summary>
    public static ServiceProvider Services(string? budget)
    {
        var services = new ServiceCollection();
        services.AddGenPipe(o =>
            {
                o.MemoryBudget = budget;
                // Only the statically referenced plugins: the measured process holds nothing else.
                o.UseDefaultPluginFolder = false;
            })
            .AddPlugin<SchedulersPlugin>()
            .AddPlugin<DiffusionPlugin>()
            .AddPlugin<SamplingPlugin>()
            .AddPlugin<AutoregressivePlugin>();
        return services.BuildServiceProvider();
    }

    public static PipelineEngine Engine(IServiceProvider services) => services.GetRequiredService<PipelineEngine>();
}
