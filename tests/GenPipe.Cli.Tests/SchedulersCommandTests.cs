using Shouldly;

namespace GenPipe.Cli.Tests;

/// <summary><c>genpipe schedulers</c> and <c>genpipe schedulers show</c>.</summary>
public sealed class SchedulersCommandTests
{
    [Fact]
    public async Task Lists_schedulers_with_aliases_and_class_names()
    {
        var result = await CliRunner.RunAsync("schedulers");

        result.ExitCode.ShouldBe(0, result.ToString());
        result.Output.ShouldContain("scheduler/ddim");
        result.Output.ShouldContain("DDIMScheduler");
        result.Output.ShouldContain("EulerDiscreteScheduler");
        result.Output.ShouldNotContain("denoiser/gaussian-mixture");
    }

    [Fact]
    public async Task Show_prints_diffusers_timesteps_and_sigmas()
    {
        // diffusers' EulerDiscreteScheduler with SD 1.5's config, 10 steps, leading spacing (the shared reference file
        // euler__sd15_leading__eps__10.json): timesteps 901..1, sigmas 8.390687 ... 0.04131448, 0.
        var result = await CliRunner.RunAsync(
            "schedulers", "show", "euler", "--steps", "10", "--set", "beta_schedule=scaled_linear", "--set", "beta_start=0.00085",
            "--set", "beta_end=0.012", "--set", "steps_offset=1", "--set", "timestep_spacing=leading");

        result.ExitCode.ShouldBe(0, result.ToString());
        result.Output.ShouldContain("init_noise_sigma 8.450067");
        foreach (string expected in new[] { "901", "8.390687", "5.1344333", "0.3461873", "0.04131448" })
        {
            result.Output.ShouldContain(expected);
        }
    }

    [Fact]
    public async Task Show_unknown_scheduler_suggests_the_closest()
    {
        var result = await CliRunner.RunAsync("schedulers", "show", "ddmi");

        result.ExitCode.ShouldBe(2, result.ToString());
        result.Error.ShouldContain("Did you mean 'scheduler/ddim'?");
    }

    [Fact]
    public async Task Show_rejects_a_bad_option_value_naming_it()
    {
        var result = await CliRunner.RunAsync("schedulers", "show", "scheduler/ddim", "--set", "beta_schedule=cubic");

        result.ExitCode.ShouldBe(2, result.ToString());
        result.Error.ShouldContain("beta_schedule");
    }

    [Fact]
    public async Task Show_rejects_a_setting_without_a_value()
    {
        var result = await CliRunner.RunAsync("schedulers", "show", "scheduler/ddim", "--set", "beta_schedule");

        result.ExitCode.ShouldBe(2, result.ToString());
        result.Error.ShouldContain("expected option=value");
    }
}
