using Shouldly;

namespace GenPipe.Cli.Tests;

/// <summary>
/// <c>genpipe list --contract</c> and <c>genpipe inspect</c>: views the command line offers every family, filled here by
/// the schedulers plugin (its components, its inspector).
/// </summary>
public sealed class InspectCommandTests
{
    [Fact]
    public async Task Lists_schedulers_with_aliases_and_class_names()
    {
        var result = await CliRunner.RunAsync("list", "--contract", "scheduler");

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
            "inspect", "euler", "steps=10", "--set", "beta_schedule=scaled_linear", "--set", "beta_start=0.00085",
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
        var result = await CliRunner.RunAsync("inspect", "ddmi");

        result.ExitCode.ShouldBe(2, result.ToString());
        result.Error.ShouldContain("Did you mean 'scheduler/ddim'?");
    }

    [Fact]
    public async Task Show_rejects_a_bad_option_value_naming_it()
    {
        var result = await CliRunner.RunAsync("inspect", "scheduler/ddim", "--set", "beta_schedule=cubic");

        result.ExitCode.ShouldBe(2, result.ToString());
        result.Error.ShouldContain("beta_schedule");
    }

    [Fact]
    public async Task Show_rejects_a_setting_without_a_value()
    {
        var result = await CliRunner.RunAsync("inspect", "scheduler/ddim", "--set", "beta_schedule");

        result.ExitCode.ShouldBe(2, result.ToString());
        result.Error.ShouldContain("expected option=value");
    }

    [Fact]
    public async Task Inspect_refuses_bad_arguments_and_contracts_no_plugin_inspects()
    {
        var zero = await CliRunner.RunAsync("inspect", "scheduler/ddim", "steps=0");
        var unknown = await CliRunner.RunAsync("inspect", "scheduler/ddim", "stepz=3");
        var decoder = await CliRunner.RunAsync("inspect", "decoder/identity");
        var contract = await CliRunner.RunAsync("list", "--contract", "shceduler");

        zero.ExitCode.ShouldBe(2, zero.ToString());
        zero.Error.ShouldBe("error: steps must be a whole number of at least 1, not '0'.\n");
        unknown.ExitCode.ShouldBe(2, unknown.ToString());
        unknown.Error.ShouldBe("error: 'scheduler/ddim' takes steps=<value> (Number of inference steps. Default 20.).\n");
        decoder.ExitCode.ShouldBe(2, decoder.ToString());
        decoder.Error.ShouldStartWith("error: no plugin can inspect 'decoder/identity' (IDecoder)");
        contract.ExitCode.ShouldBe(2, contract.ToString());
        contract.Error.ShouldContain("the contracts are: conditioner, decoder, denoiser, encoder, imagetokenizer, languagemodel, priorsampler, sampler, scheduler.");
    }
}
