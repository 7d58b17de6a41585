using GenPipe.Abstractions.Models;
using GenPipe.Tensors;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace GenPipe.Schedulers.Tests;

[CoversScheduler("HeunDiscreteScheduler", "heun")]
public sealed class HeunDiscreteSchedulerTests(ITestOutputHelper output) : SchedulerSpecificationTests<HeunDiscreteSchedulerOptions>(output)
{
    protected override IScheduler Create(HeunDiscreteSchedulerOptions options) => new HeunDiscreteScheduler(options);

    protected override int TimestepCount(int steps) => (2 * steps) - 1;

    // Every timestep after the first is evaluated twice (predictor, corrector).
    protected override IEnumerable<float> PrincipalTimesteps(IReadOnlyList<float> timesteps) => timesteps.Where((_, i) => i % 2 == 0);

    [Fact]
    public void Rejects_zero_terminal_snr_which_diffusers_heun_does_not_have()
    {
        new HeunDiscreteSchedulerOptions { RescaleBetasZeroSnr = true }.Validate().Single().Key.ShouldBe("rescale_betas_zero_snr");
        new PndmSchedulerOptions { RescaleBetasZeroSnr = true }.Validate().Single().Key.ShouldBe("rescale_betas_zero_snr");
        new EulerDiscreteSchedulerOptions { RescaleBetasZeroSnr = true }.Validate().ShouldBeEmpty();
    }

    [Fact]
    public void Is_exact_for_a_model_that_predicts_a_fixed_clean_sample()
    {
        // With x_0 fixed, dx/dsigma = (x - x_0) / sigma is solved by x = x_0 + sigma * c, which is linear in sigma:
        // the trapezoidal rule integrates it exactly, so every corrected step lands on the line.
        var scheduler = new HeunDiscreteScheduler(new HeunDiscreteSchedulerOptions { PredictionType = "sample" });
        var session = scheduler.SetTimesteps(5);
        float x0 = 0.25f;
        var x = Tensor.Full(x0 + (session.Sigmas![0] * 1.5f), 1, 1, 1, 2);
        for (int i = 0; i < session.Timesteps.Count; i++)
        {
            x = session.Step(Tensor.Full(x0, 1, 1, 1, 2), session.Timesteps[i], x).PrevSample;
        }

        x.Span[0].ShouldBe(x0, 1e-5f);
    }
}
