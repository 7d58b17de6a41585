using GenPipe.Abstractions.Components;
using Shouldly;
using Xunit;

namespace GenPipe.Schedulers.Tests;

public sealed class SchedulerOptionsValidationTests
{
    public static TheoryData<SchedulerOptions, string, string> InvalidOptions => new()
    {
        { new DdimSchedulerOptions { BetaSchedule = "cosine" }, "beta_schedule", "\"squaredcos_cap_v2\"" },
        { new EulerDiscreteSchedulerOptions { TimestepSpacing = "uniform" }, "timestep_spacing", "\"trailing\"" },
        { new DdpmSchedulerOptions { PredictionType = "flow" }, "prediction_type", "\"v_prediction\"" },
        { new DdimSchedulerOptions { StepsOffset = -1 }, "steps_offset", "negative" },
        { new DdimSchedulerOptions { NumTrainTimesteps = 0 }, "num_train_timesteps", "at least 1" },
        { new DdimSchedulerOptions { BetaStart = -0.1 }, "beta_start", "(0, 1)" },
        { new DdimSchedulerOptions { TrainedBetas = [0.1, 0.2] }, "trained_betas", "1000" },
        { new DdimSchedulerOptions { Eta = -1 }, "eta", "negative" },
        { new DdimSchedulerOptions { ClipSampleRange = 0 }, "clip_sample_range", "positive" },
        { new DdpmSchedulerOptions { VarianceType = "learned_range" }, "variance_type", "\"fixed_small\"" },
        { new EulerDiscreteSchedulerOptions { InterpolationType = "cubic" }, "interpolation_type", "\"log_linear\"" },
        { new EulerDiscreteSchedulerOptions { FinalSigmasType = "one" }, "final_sigmas_type", "\"sigma_min\"" },
        { new EulerDiscreteSchedulerOptions { UseBetaSigmas = true }, "use_beta_sigmas", "not implemented" },
        { new EulerDiscreteSchedulerOptions { UseKarrasSigmas = true, UseExponentialSigmas = true }, "use_exponential_sigmas", "use_karras_sigmas" },
        { new EulerDiscreteSchedulerOptions { SigmaMin = 5, SigmaMax = 1 }, "sigma_min", "sigma_max" },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public void Bad_values_are_reported_at_their_key_with_the_allowed_values(SchedulerOptions options, string key, string hint)
    {
        var problem = options.Validate().ShouldHaveSingleItem();
        problem.Key.ShouldBe(key);
        problem.Message.ShouldContain(hint);
        Should.Throw<ArgumentException>(options.ThrowIfInvalid).Message.ShouldContain($"'{key}'");
    }

    [Fact]
    public void Schedulers_refuse_invalid_options()
    {
        Should.Throw<ArgumentException>(() => new DdimScheduler(new DdimSchedulerOptions { BetaSchedule = "nope" }))
            .Message.ShouldContain("beta_schedule");
        Should.Throw<ArgumentException>(() => new EulerDiscreteScheduler(new EulerDiscreteSchedulerOptions { TimestepType = "nope" }))
            .Message.ShouldContain("timestep_type");
    }

    [Fact]
    public void Options_classes_are_validatable_with_diffusers_defaults()
    {
        IValidatableOptions ddim = new DdimSchedulerOptions();
        ddim.Validate().ShouldBeEmpty();
        var defaults = new DdimSchedulerOptions();
        (defaults.NumTrainTimesteps, defaults.BetaStart, defaults.BetaEnd, defaults.BetaSchedule).ShouldBe((1000, 0.0001, 0.02, "linear"));
        (defaults.PredictionType, defaults.TimestepSpacing, defaults.StepsOffset).ShouldBe(("epsilon", "leading", 0));
        (defaults.ClipSample, defaults.SetAlphaToOne, defaults.Thresholding, defaults.Eta).ShouldBe((true, true, false, 0.0));
        new EulerDiscreteSchedulerOptions().FinalSigmasType.ShouldBe("zero");
    }
}
