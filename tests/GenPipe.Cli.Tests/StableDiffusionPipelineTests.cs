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

    [Theory]
    [InlineData("sd15-img2img.json", false)]
    [InlineData("sd15-inpaint.json", true)]
    public async Task Image_to_image_and_inpainting_read_a_png_and_a_jpeg_and_write_the_image(string pipeline, bool terminal)
    {
        using var temp = new TempFolder();
        string image = CliRunner.TestData("pipelines", "inputs", "gradient.png");
        string jpeg = Path.Combine(temp.Path, "photo.jpg");
        using (var bitmap = SkiaSharp.SKBitmap.Decode(image))
        using (var data = bitmap.Encode(SkiaSharp.SKEncodedImageFormat.Jpeg, 90))
        {
            File.WriteAllBytes(jpeg, data.ToArray());
        }

        var args = new List<string> { "run", CliRunner.TestData("pipelines", pipeline), "--set", "steps=4", "--set", "strength=0.5" };
        if (pipeline.Contains("inpaint", StringComparison.Ordinal))
        {
            args.AddRange(["--set", $"mask={CliRunner.TestData("pipelines", "inputs", "center-mask.png")}"]);
        }

        var fromPng = await RealProcess.RunAsync(temp.Path, terminal, [.. args, "--set", $"image={image}", "--out", "png"]);
        var fromJpeg = await RealProcess.RunAsync(temp.Path, false, [.. args, "--set", "image=photo.jpg", "--out", "jpeg"]);

        fromPng.ExitCode.ShouldBe(0, fromPng.ToString());
        fromJpeg.ExitCode.ShouldBe(0, fromJpeg.ToString());
        string name = Path.GetFileNameWithoutExtension(pipeline);
        Npy.Read(Path.Combine(temp.Path, "png", name + ".npy")).Shape.ShouldBe([1, 3, 32, 32]);
        Npy.Read(Path.Combine(temp.Path, "jpeg", name + ".npy")).Values.ShouldAllBe(v => float.IsFinite(v));
        (fromPng.Output + fromPng.Error).ShouldContain($"{name}.png", Case.Sensitive, fromPng.ToString());
        File.Exists(Path.Combine(temp.Path, "png", name + ".png")).ShouldBeTrue();
    }

    [Fact]
    public async Task A_step_count_past_the_training_schedule_is_invalid_input_in_the_users_words()
    {
        // PNDM with steps_offset 1 (the tiny-sd scheduler config): 1000 leading steps would reach timestep 1000.
        using var temp = new TempFolder();

        var result = await RealProcess.RunAsync(temp.Path, true, "run", Pipeline, "--set", "steps=1000", "--out", "out");

        // In a terminal stderr and stdout share the pseudo-terminal.
        string shown = result.Output + result.Error;
        result.ExitCode.ShouldBe(2, result.ToString());
        shown.ShouldContain("1000 leading steps reach timestep 1000, past the last training step 999; use fewer steps");
        shown.ShouldNotContain("(Parameter");
        shown.ShouldNotContain("Actual value");
        StackTraces.In(shown).ShouldBeFalse(result.ToString());
        Directory.Exists(Path.Combine(temp.Path, "out")).ShouldBeFalse();
    }

    [Fact]
    public async Task A_missing_input_image_is_refused_before_anything_runs()
    {
        using var temp = new TempFolder();

        var result = await RealProcess.RunAsync(temp.Path, false, "run", CliRunner.TestData("pipelines", "sd15-img2img.json"), "--set", "image=nope.png", "--out", "out");

        result.ExitCode.ShouldBe(2, result.ToString());
        result.Error.ShouldContain($"names no file: {Path.Combine(temp.Path, "nope.png")} does not exist (relative paths are from the current folder, {temp.Path}); check the path");
        Directory.Exists(Path.Combine(temp.Path, "out")).ShouldBeFalse();
    }

    [Theory]
    [InlineData("run")]
    [InlineData("validate")]
    public async Task A_size_that_is_not_a_whole_number_of_latents_is_refused_before_anything_runs(string command)
    {
        using var temp = new TempFolder();

        // tiny-sd's VAE has two levels: one latent spans 2 pixels, read from models/tiny-sd/vae/config.json.
        var result = await RealProcess.RunAsync(temp.Path, false, command, Pipeline, "--set", "width=31");

        result.ExitCode.ShouldBe(2, result.ToString());
        result.Error.ShouldContain(
            "--set width=31: error at $.parameters.width.default: parameter 'width' (input 'image_width' of step 'latents') is 31; it must be a multiple of 2 (one latent spans 2 pixels), e.g. 30 or 32");
        result.Error.ShouldContain("nothing was run");
        result.Error.ShouldNotContain("started");
        Directory.Exists(temp.Combine("out")).ShouldBeFalse("run writes to ./out by default");
    }

    [Fact]
    public async Task An_input_file_that_is_not_an_image_is_refused_before_anything_runs()
    {
        using var temp = new TempFolder();
        File.WriteAllText(temp.Combine("photo.png"), "not a picture");

        var result = await RealProcess.RunAsync(temp.Path, false, "run", CliRunner.TestData("pipelines", "sd15-img2img.json"), "--set", "image=photo.png", "--out", "out");

        result.ExitCode.ShouldBe(2, result.ToString());
        result.Error.ShouldContain(
            $"parameter 'image' (input 'path' of step 'image') names a file that cannot be used: {temp.Combine("photo.png")}: not an image GenPipe can read");
        result.Error.ShouldContain("give a PNG or JPEG file");
        StackTraces.In(result.Error).ShouldBeFalse(result.ToString());
        Directory.Exists(Path.Combine(temp.Path, "out")).ShouldBeFalse();
    }

    [Fact]
    public async Task A_size_the_unet_cannot_halve_evenly_runs_as_in_diffusers()
    {
        using var temp = new TempFolder();

        // 30 pixels are 15 latents: the UNet's downsampler rounds 15 up to 8 and its upsampler resizes back to 15.
        var result = await CliRunner.RunAsync("run", Pipeline, "--set", "width=30", "--set", "height=34", "--set", "steps=2", "--out", temp.Path, "--quiet");

        result.ExitCode.ShouldBe(0, result.ToString());
        Npy.Read(Path.Combine(temp.Path, "sd15-txt2img.npy")).Shape.ShouldBe([1, 3, 34, 30]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_broken_model_is_refused_at_validate_naming_the_component_the_file_and_the_fix(bool terminal)
    {
        using var temp = new TempFolder();
        string model = temp.Combine("model");
        CopyFolder(CliRunner.TestData("models", "tiny-sd"), model);
        File.Delete(Path.Combine(model, "unet", "diffusion_pytorch_model.safetensors"));
        File.WriteAllText(temp.Combine("notes.safetensors"), "not weights");

        var missing = await RealProcess.RunAsync(temp.Path, terminal, "validate", CliRunner.TestData("pipelines", "sd15-txt2img.json"), "--set", "model=model");
        var corrupt = await RealProcess.RunAsync(temp.Path, terminal, "run", CliRunner.TestData("pipelines", "sd15-txt2img.json"), "--set", "model=notes.safetensors", "--out", "out");

        missing.ExitCode.ShouldBe(2, missing.ToString());
        (missing.Output + missing.Error).ShouldContain($"error at $.components.unet.source: component 'unet' (denoiser/unet2d-condition) cannot be loaded from '{model}': {Path.Combine(model, "unet")}: no weights: expected diffusion_pytorch_model.safetensors");
        corrupt.ExitCode.ShouldBe(2, corrupt.ToString());
        (corrupt.Output + corrupt.Error).ShouldContain("error at $.components.text_encoder.source: component 'text_encoder' (conditioner/clip-text) cannot be loaded from");
        (corrupt.Output + corrupt.Error).ShouldContain("Fix: this is not a safetensors file, or it is corrupt");
        (corrupt.Output + corrupt.Error).ShouldContain("nothing was run");
        (corrupt.Output + corrupt.Error).ShouldNotContain("   at ");
        Directory.Exists(temp.Combine("out")).ShouldBeFalse();
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (string file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
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
