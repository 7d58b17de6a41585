using GenPipe.Core;
using GenPipe.Diffusion;
using GenPipe.Schedulers;
using GenPipe.Tensors;
using Microsoft.Extensions.DependencyInjection;
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

    private static async Task<(float[] Image, GenPipe.Core.Memory.ComponentPoolUsage Usage)> Txt2Img(string? budget)
    {
        var services = new ServiceCollection();
        services.AddGenPipe(o => o.MemoryBudget = budget).AddPlugin<SchedulersPlugin>().AddPlugin<DiffusionPlugin>();
        await using var provider = services.BuildServiceProvider();
        var engine = provider.GetRequiredService<PipelineEngine>();
        var pipeline = engine.LoadFile(Path.Combine(AppContext.BaseDirectory, "pipelines", "sd15-txt2img.json"), ["steps=3", "seed=11"]);
        string output = Path.Combine(Path.GetTempPath(), "genpipe-sd-memory-" + Guid.NewGuid().ToString("N"));
        try
        {
            var result = await engine.RunAsync(pipeline, new PipelineRunOptions { OutputDirectory = output });
            return (((Tensor)result.Outputs["images"]).View.ToArray(), engine.Pool.Usage);
        }
        finally
        {
            if (Directory.Exists(output))
            {
                Directory.Delete(output, recursive: true);
            }
        }
    }
}
