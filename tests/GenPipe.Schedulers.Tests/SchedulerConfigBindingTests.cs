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
            TimestepSpacing = "leading",
        });
        new EulerDiscreteScheduler(options).SetTimesteps(10).Timesteps[0].ShouldBe(901f);
    }

    [Fact]
    public void Keys_missing_from_a_config_take_the_target_class_defaults()
    {
        // diffusers' from_config fills absent keys with the new class's defaults: Euler and the k-diffusion family
        // space linspace, Heun and KDPM2 use Stable Diffusion's betas, PNDM and DDIM space leading.
        const string Minimal = """{ "num_train_timesteps": 1000 }""";
        T Bind<T>() => JsonSerializer.Deserialize<T>(Minimal, SchedulerConfigJson.SerializerOptions)!;
        Bind<EulerDiscreteSchedulerOptions>().TimestepSpacing.ShouldBe("linspace");
        Bind<EulerAncestralDiscreteSchedulerOptions>().TimestepSpacing.ShouldBe("linspace");
        Bind<LmsDiscreteSchedulerOptions>().BetaStart.ShouldBe(0.0001);
        Bind<HeunDiscreteSchedulerOptions>().BetaStart.ShouldBe(0.00085);
        Bind<KDpm2DiscreteSchedulerOptions>().BetaEnd.ShouldBe(0.012);
        Bind<KDpm2AncestralDiscreteSchedulerOptions>().TimestepSpacing.ShouldBe("linspace");
        Bind<PndmSchedulerOptions>().TimestepSpacing.ShouldBe("leading");
        Bind<PndmSchedulerOptions>().SkipPrkSteps.ShouldBeFalse();
        Bind<FlowMatchEulerDiscreteSchedulerOptions>().Shift.ShouldBe(1.0);
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
        string[] sigmaKeys = ["use_karras_sigmas", "use_exponential_sigmas", "use_beta_sigmas"];
        SchedulerConfigJson.Keys<EulerAncestralDiscreteSchedulerOptions>().ShouldBe(shared, ignoreOrder: true);
        SchedulerConfigJson.Keys<HeunDiscreteSchedulerOptions>().ShouldBe([.. shared, .. sigmaKeys, "clip_sample", "clip_sample_range"], ignoreOrder: true);
        SchedulerConfigJson.Keys<KDpm2DiscreteSchedulerOptions>().ShouldBe([.. shared, .. sigmaKeys], ignoreOrder: true);
        SchedulerConfigJson.Keys<KDpm2AncestralDiscreteSchedulerOptions>().ShouldBe([.. shared, .. sigmaKeys], ignoreOrder: true);
        SchedulerConfigJson.Keys<LmsDiscreteSchedulerOptions>().ShouldBe([.. shared, .. sigmaKeys, "order"], ignoreOrder: true);
        SchedulerConfigJson.Keys<PndmSchedulerOptions>().ShouldBe([.. shared, "skip_prk_steps", "set_alpha_to_one"], ignoreOrder: true);
        SchedulerConfigJson.Keys<FlowMatchEulerDiscreteSchedulerOptions>().ShouldBe(
            [
                "num_train_timesteps", "shift", "use_dynamic_shifting", "base_shift", "max_shift", "base_image_seq_len",
                "max_image_seq_len", "invert_sigmas", "shift_terminal", "use_karras_sigmas", "use_exponential_sigmas",
                "use_beta_sigmas", "time_shift_type", "stochastic_sampling", "mu", "image_seq_len",
            ],
            ignoreOrder: true);
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
