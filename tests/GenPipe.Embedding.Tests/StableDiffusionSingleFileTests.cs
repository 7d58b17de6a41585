using GenPipe.Core;
using GenPipe.Core.Pipelines;
using GenPipe.Diffusion;
using GenPipe.Nn.Tests.Checkpoints;
using GenPipe.Schedulers;
using GenPipe.Tensors;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;

namespace GenPipe.Embedding.Tests;

/// <summary>
/// <c>pipelines/sd15-txt2img.json</c> with a single-file SD checkpoint as <c>model</c>: the scheduler config falls back
/// to SD 1.5's (the model has no <c>scheduler/</c>), and the image equals the one from the diffusers folder the
/// checkpoint was built from.
/// </summary>
public sealed class StableDiffusionSingleFileTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("genpipe-sd-single-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    [Fact]
    public async Task A_single_file_checkpoint_as_model_gives_the_image_of_its_diffusers_folder()
    {
        var (checkpoint, _, _, _) = TinyCheckpoint.Build(_temp);
        string folder = Path.Combine(AppContext.BaseDirectory, "models", "tiny-sd");

        var fromFolder = await Txt2Img([]);
        // The tiny checkpoint is not SD 1.5's architecture, so its components read their configs from the folder.
        var fromFile = await Txt2Img(
        [
            $"model={checkpoint}",
            $"components.unet.options.config_folder={folder}",
            $"components.vae.options.config_folder={folder}",
            $"components.text_encoder.options.config_folder={folder}",
        ]);

        fromFile.ShouldBe(fromFolder);
    }

    [Fact]
    public async Task A_single_file_checkpoint_of_another_architecture_is_refused_naming_the_tensor_and_the_fix()
    {
        var (checkpoint, _, _, _) = TinyCheckpoint.Build(_temp);

        // Without config_folder the bundled SD 1.5 architecture is used, which the tiny weights do not have.
        var error = await Should.ThrowAsync<Exception>(() => Txt2Img([$"model={checkpoint}"]));

        error.Message.ShouldContain("config_folder", customMessage: error.Message);
    }

    private async Task<float[]> Txt2Img(string[] overrides)
    {
        var services = new ServiceCollection();
        services.AddGenPipe().AddPlugin<SchedulersPlugin>().AddPlugin<DiffusionPlugin>();
        await using var provider = services.BuildServiceProvider();
        var engine = provider.GetRequiredService<PipelineEngine>();
        var pipeline = engine.LoadFile(Path.Combine(AppContext.BaseDirectory, "pipelines", "sd15-txt2img.json"), ["steps=2", "seed=5", .. overrides]);
        var result = await engine.RunAsync(pipeline, new PipelineRunOptions { OutputDirectory = Path.Combine(_temp, "out") });
        return ((Tensor)result.Outputs["images"]).View.ToArray();
    }
}
