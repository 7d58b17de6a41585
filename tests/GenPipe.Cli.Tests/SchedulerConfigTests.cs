using System.Text.Json.Nodes;
using Shouldly;

namespace GenPipe.Cli.Tests;

/// <summary>A diffusers <c>scheduler_config.json</c> loads as it is, and swaps through the command line.</summary>
public sealed class SchedulerConfigTests
{
    // What diffusers' save_config writes for a DDIMScheduler (keys sorted, metadata with a leading underscore),
    // on the linear schedule the mixture pipeline's denoiser uses. skip_prk_steps belongs to PNDM: diffusers keeps
    // such keys in shared configs.
    private const string DiffusersConfig = """
        {
          "_class_name": "DDIMScheduler",
          "_diffusers_version": "0.35.2",
          "beta_end": 0.02,
          "beta_schedule": "linear",
          "beta_start": 0.0001,
          "clip_sample": false,
          "num_train_timesteps": 1000,
          "prediction_type": "epsilon",
          "set_alpha_to_one": false,
          "skip_prk_steps": true,
          "steps_offset": 1,
          "timestep_spacing": "trailing",
          "trained_betas": null
        }
        """;

    [Fact]
    public async Task Config_file_gives_type_and_options_and_matches_the_explicit_declaration()
    {
        using var temp = new TempFolder();
        string pipeline = WritePipelineWithConfig(temp);

        var fromConfig = await CliRunner.RunAsync("run", pipeline, "--set", "count=50", "--set", "steps=10", "--out", temp.Combine("a"), "-q");
        var explicitly = await CliRunner.RunAsync(
            "run", CliRunner.TestData("pipelines", "gaussian-mixture.json"), "--set", "count=50", "--set", "steps=10",
            "--set", "components.scheduler.options.set_alpha_to_one=false", "--out", temp.Combine("b"), "-q");

        fromConfig.ExitCode.ShouldBe(0, fromConfig.ToString());
        explicitly.ExitCode.ShouldBe(0, explicitly.ToString());
        fromConfig.Error.ShouldContain("skip_prk_steps", Case.Sensitive, "keys the scheduler does not use are warnings");
        fromConfig.Error.ShouldContain("scheduler_config.json: warning at $.skip_prk_steps", Case.Sensitive, "the warning points at the file the key is in");
        fromConfig.Error.Split("skip_prk_steps' is not used").Length.ShouldBe(2, "the warning is printed once");
        File.ReadAllBytes(temp.Combine("a", "gaussian-mixture.npy")).ShouldBe(File.ReadAllBytes(temp.Combine("b", "gaussian-mixture.npy")));
    }

    [Fact]
    public async Task Config_swaps_to_another_scheduler_keeping_shared_keys()
    {
        using var temp = new TempFolder();
        string pipeline = WritePipelineWithConfig(temp);

        var result = await CliRunner.RunAsync(
            "run", pipeline, "--set", "components.scheduler.type=scheduler/euler", "--set", "count=50", "--set", "steps=10",
            "--out", temp.Combine("out"), "-q");

        result.ExitCode.ShouldBe(0, result.ToString());
        result.Error.ShouldContain("'set_alpha_to_one' is not used by scheduler/euler");
        File.Exists(temp.Combine("out", "gaussian-mixture.npy")).ShouldBeTrue();
    }

    [Fact]
    public async Task Unknown_class_name_is_invalid_input()
    {
        using var temp = new TempFolder();
        string pipeline = WritePipelineWithConfig(temp, DiffusersConfig.Replace("DDIMScheduler", "FancyScheduler", StringComparison.Ordinal));

        var result = await CliRunner.RunAsync("validate", pipeline);

        result.ExitCode.ShouldBe(2, result.ToString());
        result.Error.ShouldContain("$.components.scheduler.config");
        result.Error.ShouldContain("FancyScheduler");
    }

    [Fact]
    public async Task Malformed_config_file_is_invalid_input_naming_the_file()
    {
        using var temp = new TempFolder();
        string pipeline = WritePipelineWithConfig(temp, "{ \"_class_name\": \"DDIMScheduler\", ");

        var result = await CliRunner.RunAsync("validate", pipeline);

        result.ExitCode.ShouldBe(2, result.ToString());
        result.Error.ShouldContain("scheduler_config.json");
        result.Error.ShouldContain("not valid JSON");
    }

    [Fact]
    public async Task Config_is_found_under_a_model_root_given_with_models()
    {
        using var temp = new TempFolder();
        string pipeline = WritePipelineWithConfig(temp);
        string elsewhere = temp.Combine("pipelines");
        Directory.CreateDirectory(elsewhere);
        File.Move(pipeline, Path.Combine(elsewhere, "pipeline.json"));
        pipeline = Path.Combine(elsewhere, "pipeline.json");

        var without = await CliRunner.RunAsync("validate", pipeline);
        var with = await CliRunner.RunAsync("validate", pipeline, "--models", temp.Path);

        without.ExitCode.ShouldBe(2, without.ToString());
        without.Error.ShouldContain("model/scheduler");
        with.ExitCode.ShouldBe(0, with.ToString());
    }

    /// <summary>The bundled pipeline with its scheduler replaced by { "config": "scheduler" } (a model-folder layout).</summary>
    private static string WritePipelineWithConfig(TempFolder temp, string config = DiffusersConfig)
    {
        Directory.CreateDirectory(temp.Combine("model", "scheduler"));
        File.WriteAllText(temp.Combine("model", "scheduler", "scheduler_config.json"), config);
        var doc = JsonNode.Parse(File.ReadAllText(CliRunner.TestData("pipelines", "gaussian-mixture.json")))!;
        doc["components"]!["scheduler"] = new JsonObject { ["config"] = "model/scheduler" };
        string path = temp.Combine("pipeline.json");
        File.WriteAllText(path, doc.ToJsonString());
        return path;
    }
}
