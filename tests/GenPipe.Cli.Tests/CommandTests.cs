using GenPipe.Core.Imaging;
using Shouldly;

namespace GenPipe.Cli.Tests;

/// <summary>The commands end to end, in-process, with the bundled plugins loaded from the plugins folder.</summary>
public sealed class CommandTests
{
    private static readonly string Pipeline = CliRunner.TestData("pipelines", "gaussian-mixture.json");

    [Fact]
    public async Task Run_writes_scatter_plot_and_raw_samples()
    {
        using var temp = new TempFolder();
        string outDir = temp.Combine("out");

        var result = await CliRunner.RunAsync("run", Pipeline, "--set", "count=300", "--set", "steps=10", "--out", outDir);

        result.ExitCode.ShouldBe(0, result.ToString());
        string png = Path.Combine(outDir, "gaussian-mixture.png");
        string npy = Path.Combine(outDir, "gaussian-mixture.npy");
        File.Exists(png).ShouldBeTrue(result.ToString());
        File.Exists(npy).ShouldBeTrue(result.ToString());
        using (var stream = File.OpenRead(png))
        {
            var image = PngReader.Read(stream);
            image.Width.ShouldBeGreaterThan(100);
        }

        // .npy v1.0: a header padded to a multiple of 64 bytes, then count * 2 float32 values.
        long dataBytes = 300 * 2 * sizeof(float);
        long length = new FileInfo(npy).Length;
        (length - dataBytes).ShouldBeInRange(64, 256);
        ((length - dataBytes) % 64).ShouldBe(0);
        Directory.GetFileSystemEntries(outDir).Length.ShouldBe(2, "only the two files, no staging leftovers");
        result.Error.ShouldContain("latents", Case.Sensitive, "progress names the steps");
    }

    [Fact]
    public async Task Run_swaps_scheduler_with_set_and_keeps_options()
    {
        using var temp = new TempFolder();

        var result = await CliRunner.RunAsync(
            "run", Pipeline, "--set", "components.scheduler.type=scheduler/euler", "--set", "count=100", "--set", "steps=8",
            "--out", temp.Combine("out"), "--quiet");

        result.ExitCode.ShouldBe(0, result.ToString());
        File.Exists(temp.Combine("out", "gaussian-mixture.npy")).ShouldBeTrue();
    }

    [Fact]
    public async Task Validate_accepts_the_bundled_pipeline()
    {
        var result = await CliRunner.RunAsync("validate", Pipeline);

        result.ExitCode.ShouldBe(0, result.ToString());
        result.Output.ShouldContain("latents -> samples -> files");
    }

    [Fact]
    public async Task List_shows_components_and_operators_with_sources()
    {
        var result = await CliRunner.RunAsync("list");

        result.ExitCode.ShouldBe(0, result.ToString());
        result.Output.ShouldContain("scheduler/ddim");
        result.Output.ShouldContain("scheduler/euler");
        result.Output.ShouldContain("denoiser/gaussian-mixture");
        result.Output.ShouldContain("GenPipe.Schedulers");
        result.Output.ShouldContain("GenPipe.Diffusion");
        result.Output.ShouldContain("diffuse");
        result.Output.ShouldContain("built-in");
    }

    [Fact]
    public async Task Describe_shows_options_with_defaults()
    {
        var result = await CliRunner.RunAsync("describe", "scheduler/ddim");

        result.ExitCode.ShouldBe(0, result.ToString());
        result.Output.ShouldContain("beta_schedule");
        result.Output.ShouldContain("\"linear\"");
        result.Output.ShouldContain("eta");
    }

    [Fact]
    public async Task Describe_shows_operator_signature()
    {
        var result = await CliRunner.RunAsync("describe", "diffuse");

        result.ExitCode.ShouldBe(0, result.ToString());
        result.Output.ShouldContain("denoiser");
        result.Output.ShouldContain("IScheduler");
        result.Output.ShouldContain("seed");
    }

    [Fact]
    public async Task Describe_unknown_id_suggests_the_closest()
    {
        var result = await CliRunner.RunAsync("describe", "scheduler/ddmi");

        result.ExitCode.ShouldBe(2, result.ToString());
        result.Error.ShouldContain("scheduler/ddim");
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("run", "--help")]
    [InlineData("validate", "-h")]
    public async Task Help_lists_the_exit_codes(params string[] args)
    {
        var result = await CliRunner.RunAsync(args);

        result.ExitCode.ShouldBe(0, result.ToString());
        result.Output.ShouldContain("Exit codes:");
        result.Output.ShouldContain("2  invalid input");
        result.Output.ShouldContain("1  failure while running, or cancelled");
        result.Error.ShouldBeEmpty();
    }
}
