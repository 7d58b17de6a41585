using GenPipe.Abstractions.Models;
using GenPipe.Tensors;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace GenPipe.Schedulers.Tests;

[CoversScheduler("DDPMScheduler", "ddpm")]
public sealed class DdpmSchedulerTests(ITestOutputHelper output) : SchedulerSpecificationTests<DdpmSchedulerOptions>(output)
{
    protected override IScheduler Create(DdpmSchedulerOptions options) => new DdpmScheduler(options);

    [Fact]
    public void Draws_no_noise_at_timestep_zero()
    {
        var scheduler = new DdpmScheduler(new DdpmSchedulerOptions { TimestepSpacing = "linspace" });
        var session = scheduler.SetTimesteps(3);
        session.Timesteps[^1].ShouldBe(0f);
        var x = Tensor.Full(0.5f, 1, 1, 2, 2);
        // Without a random source only the noise-free last step can run.
        Should.Throw<ArgumentNullException>(() => session.Step(x, session.Timesteps[0], x));
        var last = session.Step(Tensor.Zeros(1, 1, 2, 2), 0, x);
        // Predicting eps = 0 at t = 0 with alpha_prev = 1: x_prev = x_0 = x / sqrt(a_0), clipped to [-1, 1].
        double expected = Math.Min(1, 0.5 / Math.Sqrt(scheduler.AlphasCumprod[0]));
        last.PrevSample.Span.ToArray().ShouldAllBe(v => Math.Abs(v - expected) < 1e-6);
    }
}
