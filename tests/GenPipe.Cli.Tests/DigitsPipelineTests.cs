using GenPipe.Core.Imaging;
using GenPipe.Testing;
using Shouldly;

namespace GenPipe.Cli.Tests;

/// <summary>pipelines/digits-vae.json from the command line, in a terminal and piped: the shipped VAE's prior samples.</summary>
public sealed class DigitsPipelineTests
{
    private static readonly FixtureFile Io = FixtureFile.Load(CliRunner.TestData("Fixtures", "digits-vae", "io.safetensors.gz"));

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_vae_pipeline_writes_pytorchs_prior_samples_as_a_grid_and_npy_in_0_1(bool terminal)
    {
        using var temp = new TempFolder();

        var result = await RealProcess.RunAsync(
            temp.Path, terminal, "run", CliRunner.TestData("pipelines", "digits-vae.json"), "--set", "count=8", "--set", "temperature=0.7", "--out", "out");

        result.ExitCode.ShouldBe(0, result.ToString());
        var (shape, values) = Npy.Read(Path.Combine(temp.Path, "out", "digits-vae.npy"));
        shape.ShouldBe([8, 1, 28, 28]);
        values.Min().ShouldBeGreaterThanOrEqualTo(0f);
        values.Max().ShouldBeLessThanOrEqualTo(1f);
        float[] expected = Io.Floats("prior.t07");
        values.Zip(expected, (a, e) => Math.Abs(a - e)).Max().ShouldBeLessThan(1e-4f);
        var png = PngReader.Read(File.ReadAllBytes(Path.Combine(temp.Path, "out", "digits-vae.png")));
        ((long)png.Width * png.Height).ShouldBeGreaterThanOrEqualTo(8L * 28 * 28, "eight digits in a grid");
        StackTraces.In(result.Error).ShouldBeFalse(result.ToString());
    }

    [Fact]
    public async Task A_temperature_out_of_range_is_refused_before_anything_runs()
    {
        using var temp = new TempFolder();

        var result = await RealProcess.RunAsync(temp.Path, false, "run", CliRunner.TestData("pipelines", "digits-vae.json"), "--set", "temperature=-1");

        result.ExitCode.ShouldBe(2, result.ToString());
        result.Error.ShouldContain("parameter 'temperature' (input 'temperature' of step 'latents') must be from 0 to 10, got -1");
        Directory.Exists(Path.Combine(temp.Path, "out")).ShouldBeFalse();
    }
}
