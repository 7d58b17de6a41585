using GenPipe.Abstractions.Models;
using GenPipe.Tensors;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace GenPipe.Schedulers.Tests;

[CoversScheduler("EulerDiscreteScheduler", "euler", "euler_zsnr", "euler_karras", "euler_exp")]
public sealed class EulerDiscreteSchedulerTests(ITestOutputHelper output) : SchedulerSpecificationTests<EulerDiscreteSchedulerOptions>(output)
{
    protected override IScheduler Create(EulerDiscreteSchedulerOptions options) => new EulerDiscreteScheduler(options);

    [Fact]
    public void Zero_terminal_snr_keeps_the_first_sigma_finite()
    {
        var scheduler = new EulerDiscreteScheduler(new EulerDiscreteSchedulerOptions
        {
            BetaSchedule = "scaled_linear", BetaStart = 0.00085, BetaEnd = 0.012, RescaleBetasZeroSnr = true,
            TimestepSpacing = "trailing", PredictionType = "v_prediction",
        });
        scheduler.AlphasCumprod[^1].ShouldBe(MathF.Pow(2, -24));
        // sigma = sqrt((1 - 2^-24) / 2^-24) = sqrt(2^24 - 1)
        scheduler.SetTimesteps(4).Sigmas![0].ShouldBe((float)Math.Sqrt((1 << 24) - 1), 1e-2f);
    }

    [Fact]
    public void Add_noise_adds_sigma_times_noise()
    {
        var scheduler = new EulerDiscreteScheduler(new EulerDiscreteSchedulerOptions());
        float a = scheduler.AlphasCumprod[500];
        var noisy = scheduler.AddNoise(Tensor.Full(1f, 1, 2), Tensor.Full(2f, 1, 2), 500);
        noisy.Span.ToArray().ShouldAllBe(v => Math.Abs(v - (1 + (2 * Math.Sqrt((1 - a) / a)))) < 1e-5);
    }

    [Fact]
    public void Churn_draws_noise_from_the_random_source()
    {
        var scheduler = new EulerDiscreteScheduler(new EulerDiscreteSchedulerOptions { SChurn = 1 });
        var session = scheduler.SetTimesteps(3);
        var x = Tensor.Full(1f, 1, 1, 2, 2);
        var random = new ReplayingRandomSource([[0.5f, 0.5f, 0.5f, 0.5f]]);
        session.Step(Tensor.Zeros(1, 1, 2, 2), session.Timesteps[0], x, random);
        random.Remaining.ShouldBe(0);
    }
}
