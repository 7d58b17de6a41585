using GenPipe.Abstractions.Models;
using GenPipe.Tensors;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace GenPipe.Schedulers.Tests;

[CoversScheduler("FlowMatchEulerDiscreteScheduler", "flow_match_euler")]
public sealed class FlowMatchEulerDiscreteSchedulerTests(ITestOutputHelper output)
    : SchedulerSpecificationTests<FlowMatchEulerDiscreteSchedulerOptions>(output)
{
    protected override IScheduler Create(FlowMatchEulerDiscreteSchedulerOptions options) => new FlowMatchEulerDiscreteScheduler(options);

    protected override PredictionType DefaultPredictionType => PredictionType.Flow;

    protected override float MaxTimestep => 1000;

    [Fact]
    public void Dynamic_shifting_needs_mu_or_the_image_size()
    {
        var problems = new FlowMatchEulerDiscreteSchedulerOptions { UseDynamicShifting = true }.Validate().ToList();
        problems.Single().Key.ShouldBe("mu");
        new FlowMatchEulerDiscreteSchedulerOptions { UseDynamicShifting = true, ImageSeqLen = 4096 }.ResolvedMu()!.Value.ShouldBe(1.15, 1e-12);
        new FlowMatchEulerDiscreteSchedulerOptions { UseDynamicShifting = true, ImageSeqLen = 256 }.ResolvedMu()!.Value.ShouldBe(0.5, 1e-12);
    }

    [Fact]
    public void Dynamic_shift_with_mu_ln3_equals_the_static_shift_3()
    {
        // e^mu / (e^mu + 1/s - 1) = 3s / (3s + 1 - s) = 3s / (1 + 2s): the two shifts agree for mu = ln 3, except
        // that the static one also shifts sigma_min.
        var dynamic = new FlowMatchEulerDiscreteScheduler(new FlowMatchEulerDiscreteSchedulerOptions { UseDynamicShifting = true, Mu = Math.Log(3) });
        var sigmas = dynamic.SetTimesteps(4).Sigmas!;
        double[] unshifted = [1, 1 - (0.999 / 3), 1 - (2 * 0.999 / 3), 0.001];
        for (int i = 0; i < 4; i++)
        {
            sigmas[i].ShouldBe((float)(3 * unshifted[i] / (1 + (2 * unshifted[i]))), 1e-6f);
        }

        sigmas[4].ShouldBe(0f);
    }

    [Fact]
    public void One_step_of_the_true_velocity_reaches_the_clean_sample()
    {
        // x_1 = eps, v = eps - x_0: x_0 = x_1 - (1 - 0) * v on a one-step run (sigma 1 -> 0).
        var session = new FlowMatchEulerDiscreteScheduler(new FlowMatchEulerDiscreteSchedulerOptions()).SetTimesteps(1);
        session.Timesteps.ShouldBe([1000f]);
        var x = Tensor.Full(0.7f, 1, 2);
        var result = session.Step(Tensor.Full(0.7f - -0.2f, 1, 2), 1000, x);
        result.PrevSample.Span.ToArray().ShouldAllBe(v => Math.Abs(v - -0.2f) < 1e-6);
    }

    [Fact]
    public void Add_noise_interpolates_between_sample_and_noise()
    {
        var scheduler = new FlowMatchEulerDiscreteScheduler(new FlowMatchEulerDiscreteSchedulerOptions());
        var noisy = scheduler.AddNoise(Tensor.Full(1f, 2), Tensor.Full(-1f, 2), 250);
        noisy.Span.ToArray().ShouldAllBe(v => Math.Abs(v - 0.5f) < 1e-6);
    }
}
