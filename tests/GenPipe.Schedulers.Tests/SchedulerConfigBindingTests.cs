using System.Text.Json;
using Shouldly;
using Xunit;

namespace GenPipe.Schedulers.Tests;

/// <summary>A diffusers <c>scheduler_config.json</c> binds to the options classes as the pipeline compiler binds it.</summary>
public sealed class SchedulerConfigBindingTests
{
    // The resolved config of ddim__sd15_leading__eps__10 with the metadata keys a saved scheduler_config.json has.
    private const string StableDiffusionConfig = """
        {
          "_class_name": "DDIMScheduler",
          "_diffusers_version": "0.40.0.dev0",
          "num_train_timesteps": 1000,
          "beta_start": 0.00085,
          "beta_end": 0.012,
          "beta_schedule": "scaled_linear",
          "trained_betas": null,
          "clip_sample": false,
          "set_alpha_to_one": false,
          "steps_offset": 1,
          "prediction_type": "epsilon",
          "thresholding": false,
          "dynamic_thresholding_ratio": 0.995,
          "clip_sample_range": 1.0,
          "sample_max_value": 1.0,
          "timestep_spacing": "leading",
          "rescale_betas_zero_snr": false,
          "skip_prk_steps": true
        }
        """;

    [Fact]
    public void A_scheduler_config_binds_to_the_ddim_options()
    {
        var options = JsonSerializer.Deserialize<DdimSchedulerOptions>(StableDiffusionConfig, SchedulerConfigJson.SerializerOptions)!;

        options.ShouldBe(new DdimSchedulerOptions
        {
            BetaStart = 0.00085,
            BetaEnd = 0.012,
            BetaSchedule = "scaled_linear",
            ClipSample = false,
            SetAlphaToOne = false,
            StepsOffset = 1,
        });
        options.Validate().ShouldBeEmpty();
    }

    [Fact]
    public void The_same_config_swaps_to_euler_keeping_the_shared_keys()
    {
        var options = JsonSerializer.Deserialize<EulerDiscreteSchedulerOptions>(StableDiffusionConfig, SchedulerConfigJson.SerializerOptions)!;

        options.ShouldBe(new EulerDiscreteSchedulerOptions
        {
            BetaStart = 0.00085,
            BetaEnd = 0.012,
            BetaSchedule = "scaled_linear",
            StepsOffset = 1,
        });
        new EulerDiscreteScheduler(options).SetTimesteps(10).Timesteps[0].ShouldBe(901f);
    }

    [Fact]
    public void Option_keys_are_the_diffusers_keys()
    {
        string[] shared =
            [
                "num_train_timesteps", "beta_start", "beta_end", "beta_schedule", "trained_betas", "prediction_type",
                "timestep_spacing", "steps_offset", "rescale_betas_zero_snr",
            ];
        string[] clipping = ["clip_sample", "clip_sample_range", "thresholding", "dynamic_thresholding_ratio", "sample_max_value"];
        SchedulerConfigJson.Keys<DdimSchedulerOptions>().ShouldBe([.. shared, .. clipping, "set_alpha_to_one", "eta", "use_clipped_model_output"], ignoreOrder: true);
        SchedulerConfigJson.Keys<DdpmSchedulerOptions>().ShouldBe([.. shared, .. clipping, "variance_type"], ignoreOrder: true);
        string[] eulerKeys =
            [
                "interpolation_type", "use_karras_sigmas", "use_exponential_sigmas", "use_beta_sigmas", "sigma_min", "sigma_max",
                "timestep_type", "final_sigmas_type", "s_churn", "s_tmin", "s_tmax", "s_noise",
            ];
        SchedulerConfigJson.Keys<EulerDiscreteSchedulerOptions>().ShouldBe(
            [.. shared, .. eulerKeys], ignoreOrder: true);
    }

    [Fact]
    public void Options_round_trip_through_json()
    {
        var options = new DdpmSchedulerOptions { BetaSchedule = "squaredcos_cap_v2", VarianceType = "fixed_large", ClipSample = false };
        string json = JsonSerializer.Serialize(options, SchedulerConfigJson.SerializerOptions);
        json.ShouldContain("\"variance_type\":\"fixed_large\"");
        JsonSerializer.Deserialize<DdpmSchedulerOptions>(json, SchedulerConfigJson.SerializerOptions).ShouldBe(options);
    }
}
