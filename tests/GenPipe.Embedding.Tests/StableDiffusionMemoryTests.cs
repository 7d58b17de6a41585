using GenPipe.Core;
using GenPipe.Diffusion;
using GenPipe.Schedulers;
using GenPipe.Tensors;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NSubstitute;
using Shouldly;

namespace GenPipe.Embedding.Tests;

/// <summary>
/// Stable Diffusion's three models through the memory pool: under a budget smaller than all three together, models
/// are evicted between the steps that need them, and the image is the same, bit for bit, as with room for all.
/// </summary>
[Collection(MemoryMeasurement.Name)]
public sealed class StableDiffusionMemoryTests
{
    [Fact]
    public async Task Under_a_budget_below_the_three_models_they_are_evicted_in_turn_and_the_image_is_identical()
    {
        var (roomy, roomyUsage) = await Txt2Img(budget: null);
        var (tight, tightUsage) = await Txt2Img(budget: "26MB");

        tight.ShouldBe(roomy);
        roomyUsage.Evictions.ShouldBe(0);
        tightUsage.Evictions.ShouldBeGreaterThan(0, "text encoder, UNet (with its buffers) and VAE do not fit in 26 MiB together");
        tightUsage.PeakBytes.ShouldBeLessThanOrEqualTo(26L << 20);
        roomyUsage.PeakBytes.ShouldBeGreaterThan(26L << 20, "with room for all, the three models (and the UNet's activation buffers) hold more than the tight budget");
    }

    [Fact]
    public async Task With_room_for_the_unet_but_not_beside_the_text_encoder_the_text_encoder_goes_before_the_unet_loads()
    {
        // The sizes the pool counts once the models have run: the UNet with its activation buffers.
        long unet, textEncoder;
        float[] expected;
        {
            await using var roomy = Engine(budget: null, poolLog: null);
            expected = await Run(roomy.Engine, "seed=11");
            unet = Estimate(roomy, "unet");
            textEncoder = Estimate(roomy, "text_encoder");
        }

        // A budget that holds the UNet but not the UNet and the text encoder together.
        long budget = unet + (textEncoder / 2);
        var poolLog = Substitute.For<ILogger>();
        poolLog.IsEnabled(Arg.Any<LogLevel>()).Returns(true);
        await using var tight = Engine(budget.ToString(System.Globalization.CultureInfo.InvariantCulture), poolLog);

        // The first run teaches the pool the UNet's size with buffers (it loads at the size of its weights and grows
        // during its first forward); another prompt, so the second run conditions again.
        await Run(tight.Engine, "seed=12", "prompt=a warm-up");
        poolLog.ClearReceivedCalls();
        var image = await Run(tight.Engine, "seed=11");

        image.ShouldBe(expected);
        tight.Engine.Pool.Usage.PeakBytes.ShouldBeLessThanOrEqualTo(budget);
        var events = PoolEvents(poolLog);
        string order = string.Join(", ", events);
        events.IndexOf("Loaded text_encoder").ShouldBeGreaterThanOrEqualTo(0, order);
        events.IndexOf("Evicted text_encoder").ShouldBeGreaterThan(events.IndexOf("Loaded text_encoder"), order);
        events.IndexOf("Loaded unet").ShouldBeGreaterThan(events.IndexOf("Evicted text_encoder"), order);
        events.IndexOf("Loaded vae").ShouldBeGreaterThan(events.IndexOf("Loaded unet"), order);
    }

    private static long Estimate(HostedEngine host, string component)
    {
        var pipeline = host.Engine.LoadFile(PipelineFile, []);
        return host.Engine.Pool.EstimateBytes(pipeline.Components.Single(c => c.Name == component), host.Provider);
    }

    // "Loaded NAME" and "Evicted NAME" from the pool's debug messages, in the order it wrote them.
    private static List<string> PoolEvents(ILogger log) => log.ReceivedCalls()
        .Where(call => call.GetMethodInfo().Name == nameof(ILogger.Log) && (LogLevel)call.GetArguments()[0]! == LogLevel.Debug)
        .Select(call => call.GetArguments()[2]!.ToString()!.Split(' '))
        .Where(words => words.Length >= 3 && words[1] == "component" && words[0] is "Loaded" or "Evicted")
        .Select(words => $"{words[0]} {words[2]}")
        .ToList();

    private static string PipelineFile => Path.Combine(AppContext.BaseDirectory, "pipelines", "sd15-txt2img.json");

    private static async Task<(float[] Image, GenPipe.Core.Memory.ComponentPoolUsage Usage)> Txt2Img(string? budget)
    {
        await using var host = Engine(budget, poolLog: null);
        var image = await Run(host.Engine, "seed=11");
        return (image, host.Engine.Pool.Usage);
    }

    private static HostedEngine Engine(string? budget, ILogger? poolLog)
    {
        var services = new ServiceCollection();
        if (poolLog is not null)
        {
            var loggers = Substitute.For<ILoggerProvider>();
            loggers.CreateLogger(Arg.Any<string>()).Returns(call => ((string)call[0]).EndsWith(".ComponentPool", StringComparison.Ordinal) ? poolLog : Substitute.For<ILogger>());
            services.AddLogging(logging => logging.AddProvider(loggers).SetMinimumLevel(LogLevel.Debug));
        }

        services.AddGenPipe(o => o.MemoryBudget = budget).AddPlugin<SchedulersPlugin>().AddPlugin<DiffusionPlugin>();
        var provider = services.BuildServiceProvider();
        return new HostedEngine(provider, provider.GetRequiredService<PipelineEngine>());
    }

    private static async Task<float[]> Run(PipelineEngine engine, params string[] overrides)
    {
        var pipeline = engine.LoadFile(PipelineFile, ["steps=3", .. overrides]);
        string output = Path.Combine(Path.GetTempPath(), "genpipe-sd-memory-" + Guid.NewGuid().ToString("N"));
        try
        {
            var result = await engine.RunAsync(pipeline, new PipelineRunOptions { OutputDirectory = output });
            return ((Tensor)result.Outputs["images"]).View.ToArray();
        }
        finally
        {
            if (Directory.Exists(output))
            {
                Directory.Delete(output, recursive: true);
            }
        }
    }

    private sealed record HostedEngine(ServiceProvider Provider, PipelineEngine Engine) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Provider.DisposeAsync();
    }
}
