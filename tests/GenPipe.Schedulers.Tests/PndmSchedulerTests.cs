using GenPipe.Abstractions.Models;
using GenPipe.Tensors;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace GenPipe.Schedulers.Tests;

[CoversScheduler("PNDMScheduler", "pndm")]
public sealed class PndmSchedulerTests(ITestOutputHelper output) : SchedulerSpecificationTests<PndmSchedulerOptions>(output)
{
    protected override IScheduler Create(PndmSchedulerOptions options) => new PndmScheduler(options);

    // The spacing checks run the PLMS-only schedule Stable Diffusion uses: the first timestep repeats once.
    protected override PndmSchedulerOptions WithSpacing(PndmSchedulerOptions options, string spacing) =>
        base.WithSpacing(options, spacing) with { SkipPrkSteps = true };

    protected override int TimestepCount(int steps) => steps == 1 ? 1 : steps + 1;

    protected override IEnumerable<float> PrincipalTimesteps(IReadOnlyList<float> timesteps) => timesteps.Distinct();

    [Fact]
    public void The_runge_kutta_warm_up_visits_the_half_steps_of_the_last_four_grid_points()
    {
        var session = new PndmScheduler(new PndmSchedulerOptions { StepsOffset = 1 }).SetTimesteps(10);
        session.Timesteps.ShouldBe([901f, 851, 851, 801, 801, 751, 751, 701, 701, 651, 651, 601, 601, 501, 401, 301, 201, 101, 1]);
    }

    [Theory]
    [InlineData(true, 1000, "timestep 1000")]
    [InlineData(false, 500, "half step at timestep 1000")]
    public void Refuses_step_counts_whose_offset_timesteps_pass_the_last_training_step(bool skipPrkSteps, int steps, string named)
    {
        // leading spacing with steps_offset 1: 1000 steps reach timestep 1000, 500 put a Runge-Kutta half step there;
        // diffusers indexes alphas_cumprod past its end at both.
        var scheduler = new PndmScheduler(new PndmSchedulerOptions { StepsOffset = 1, SkipPrkSteps = skipPrkSteps });
        var error = Should.Throw<ArgumentOutOfRangeException>(() => scheduler.SetTimesteps(steps));
        error.Message.ShouldContain(named);
        error.Message.ShouldContain("last training step 999");
        scheduler.SetTimesteps(steps - 1).Timesteps.Max().ShouldBeLessThanOrEqualTo(999f);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Follows_the_exact_trajectory_when_the_model_knows_the_noise(bool skipPrkSteps)
    {
        // x_t = sqrt(a_t) x_0 + sqrt(1 - a_t) eps with eps known exactly: every combination of equal noise estimates
        // is that estimate, and DDIM's transfer function maps x_t onto x_t' exactly, warm-up or not.
        var scheduler = new PndmScheduler(new PndmSchedulerOptions
        {
            BetaSchedule = "scaled_linear", BetaStart = 0.00085, BetaEnd = 0.012, StepsOffset = 1,
            SkipPrkSteps = skipPrkSteps,
        });
        var session = scheduler.SetTimesteps(8);
        const float x0 = 0.3f;
        const float eps = -0.8f;
        float Noisy(float t) => (MathF.Sqrt(scheduler.AlphasCumprod[(int)t]) * x0) + (MathF.Sqrt(1 - scheduler.AlphasCumprod[(int)t]) * eps);

        var x = Tensor.Full(Noisy(session.Timesteps[0]), 1, 1, 1, 2);
        foreach (float t in session.Timesteps)
        {
            x = session.Step(Tensor.Full(eps, 1, 1, 1, 2), t, x).PrevSample;
        }

        // After the last step the sample is at the final alpha (that of timestep 0).
        x.Span[0].ShouldBe(Noisy(0), 1e-5f);
    }
}
