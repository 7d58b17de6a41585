using GenPipe.Core.Imaging;
using Shouldly;

namespace GenPipe.Cli.Tests;

/// <summary>pipelines/sd15-txt2img.json on the bundled models/tiny-sd, from the command line, in a terminal and piped.</summary>
public sealed class StableDiffusionPipelineTests
{
    private static readonly string Pipeline = CliRunner.TestData("pipelines", "sd15-txt2img.json");

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Text_to_image_writes_a_png_of_the_size_asked_for(bool terminal)
    {
        using var temp = new TempFolder();

        var result = await RealProcess.RunAsync(
            temp.Path, terminal, "run", Pipeline, "--set", "steps=3", "--set", "count=2", "--set", "width=48", "--set", "prompt=a red cat", "--out", "out");

        result.ExitCode.ShouldBe(0, result.ToString());
        var png = PngReader.Read(File.ReadAllBytes(Path.Combine(temp.Path, "out", "sd15-txt2img.png")));
        png.Width.ShouldBeGreaterThan(2 * 48, "two 48x32 images side by side, with padding");
        var npy = Npy.Read(Path.Combine(temp.Path, "out", "sd15-txt2img.npy"));
        npy.Shape.ShouldBe([2, 3, 32, 48]);
        npy.Values.ShouldAllBe(v => float.IsFinite(v));
        StackTraces.In(result.Error).ShouldBeFalse(result.ToString());

        // How it was made, where A1111 and image browsers look for it, and all of it as JSON.
        var text = png.Text.ToDictionary(t => t.Key, t => t.Value);
        text["parameters"].ShouldBe("a red cat\nSteps: 3, Sampler: pndm, CFG scale: 7.5, Seed: 0, Size: 48x32, Model: tiny-sd");
        text["genpipe"].ShouldStartWith(
            "{\"pipeline\":\"sd15-txt2img\",\"parameters\":{\"model\":\"../models/tiny-sd\",\"prompt\":\"a red cat\",\"negative_prompt\":\"\",\"steps\":3,");
        text["genpipe"].ShouldContain("\"unet\":{\"type\":\"denoiser/unet2d-condition\",\"source\":\"tiny-sd\"}");
    }

    [Fact]
    public async Task A_size_that_is_not_a_whole_number_of_latents_is_refused_naming_the_multiple()
    {
        using var temp = new TempFolder();

        var result = await CliRunner.RunAsync("run", Pipeline, "--set", "width=30", "--out", temp.Combine("out"), "--quiet");

        result.ExitCode.ShouldBe(1, result.ToString());
        result.Error.ShouldContain("'image_width' is 30; it must be a multiple of 4 (one latent spans 2 pixels and the denoiser needs latent sizes in multiples of 2), e.g. 28 or 32.");
        Directory.Exists(temp.Combine("out")).ShouldBeFalse();
    }

    [Fact]
    public async Task A_model_folder_that_is_not_there_is_refused_before_anything_runs()
    {
        using var temp = new TempFolder();

        var result = await CliRunner.RunAsync("run", Pipeline, "--set", "model=no-such-model", "--out", temp.Combine("out"));

        result.ExitCode.ShouldBe(2, result.ToString());
        result.Error.ShouldContain("error at $.components.unet.source: source '$model' of component 'unet' (parameter 'model' is 'no-such-model') was not found");
        result.Error.ShouldContain("nothing was run");
    }
}
