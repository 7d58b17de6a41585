using GenPipe.Tensors;
using GenPipe.Abstractions.Models;
using Shouldly;
using Xunit;

namespace GenPipe.Schedulers.Tests;

/// <summary>Timesteps and training schedules at settings the bundled references do not cover, from closed forms.</summary>
public sealed class TimestepScheduleTests
{
    private static readonly DdimSchedulerOptions StableDiffusion = new()
    {
        BetaStart = 0.00085, BetaEnd = 0.012, BetaSchedule = "scaled_linear", StepsOffset = 1, ClipSample = false, SetAlphaToOne = false,
    };

    [Theory]
    [InlineData("leading", 50, new float[] { 981, 961, 941 }, 1f)]
    [InlineData("leading", 4, new float[] { 751, 501, 251, 1 }, 1f)]
    [InlineData("trailing", 3, new float[] { 999, 666, 332 }, 332f)]
    // numpy.linspace(0, 999, 7) = 0, 166.5, 333, 499.5, 666, 832.5, 999, rounded half to even.
    [InlineData("linspace", 7, new float[] { 999, 832, 666, 500, 333, 166, 0 }, 0f)]
    public void Ddim_timesteps_follow_the_spacing(string spacing, int steps, float[] first, float last)
    {
        var timesteps = new DdimScheduler(StableDiffusion with { TimestepSpacing = spacing }).SetTimesteps(steps).Timesteps;
        timesteps.Count.ShouldBe(steps);
        timesteps.Take(first.Length).ShouldBe(first);
        timesteps[^1].ShouldBe(last);
    }

    [Fact]
    public void Euler_linspace_timesteps_stay_fractional()
    {
        var options = new EulerDiscreteSchedulerOptions { TimestepSpacing = "linspace" };
        new EulerDiscreteScheduler(options).SetTimesteps(7).Timesteps.ShouldBe([999f, 832.5f, 666f, 499.5f, 333f, 166.5f, 0f]);
    }

    [Fact]
    public void Trailing_spacing_gives_exactly_the_steps_asked_where_numpy_gives_one_more()
    {
        // numpy.arange(1000, 0, -1000/61) has 62 values; diffusers then appends timestep -1, which DDIM would use to
        // index alphas_cumprod[-1] (the noisiest step). GenPipe keeps 61 here.
        var timesteps = new DdimScheduler(StableDiffusion with { TimestepSpacing = "trailing" }).SetTimesteps(61).Timesteps;
        timesteps.Count.ShouldBe(61);
        timesteps[^1].ShouldBe(15f);
    }

    [Theory]
    [InlineData(61)]
    [InlineData(103)]
    [InlineData(998)]
    public void K_diffusion_schedulers_keep_the_extra_trailing_timestep_as_diffusers_does(int steps)
    {
        // There the -1 only clamps the sigma interpolation to the first training sigma: a finite last step.
        var options = new EulerDiscreteSchedulerOptions
        {
            BetaStart = 0.00085, BetaEnd = 0.012, BetaSchedule = "scaled_linear", TimestepSpacing = "trailing",
        };
        var scheduler = new EulerDiscreteScheduler(options);
        var session = scheduler.SetTimesteps(steps);
        session.Timesteps.Count.ShouldBe(steps + 1);
        session.Timesteps[^1].ShouldBe(-1f);
        session.Timesteps[^2].ShouldBeGreaterThanOrEqualTo(0f);
        float firstTrainingSigma = MathF.Sqrt((1 - scheduler.AlphasCumprod[0]) / scheduler.AlphasCumprod[0]);
        session.Sigmas![^2].ShouldBe(firstTrainingSigma);
        session.Sigmas[^1].ShouldBe(0f);

        var heun = new HeunDiscreteScheduler(new HeunDiscreteSchedulerOptions { TimestepSpacing = "trailing" }).SetTimesteps(steps);
        heun.Timesteps.Count.ShouldBe((2 * (steps + 1)) - 1);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void Kdpm2_ancestral_timesteps_stay_finite_where_sigma_down_vanishes(int steps)
    {
        // On the linear schedule the last sigma_down rounds to 0 (or below), and torch.lerp's log-space midpoint of 0
        // is NaN upstream; the geometric mean with 0 is 0, so the midpoint timestep is 0.
        var options = new KDpm2AncestralDiscreteSchedulerOptions { TimestepSpacing = "linspace" };
        var session = new KDpm2AncestralDiscreteScheduler(options).SetTimesteps(steps);
        session.Timesteps.ShouldAllBe(t => float.IsFinite(t) && t >= 0 && t <= 999);
        session.Sigmas!.ShouldAllBe(s => float.IsFinite(s));
    }

    [Theory]
    [InlineData(979)]
    [InlineData(998)]
    public void Lms_stays_finite_where_the_extra_trailing_timestep_repeats_a_sigma(int steps)
    {
        // The -1 timestep clamps to the first training sigma, which the step before (t = 0) already has: two equal
        // Lagrange nodes, where diffusers' coefficients become NaN. GenPipe drops the repeated node.
        var scheduler = new LmsDiscreteScheduler(new LmsDiscreteSchedulerOptions { TimestepSpacing = "trailing" });
        var session = scheduler.SetTimesteps(steps);
        session.Sigmas![^2].ShouldBe(session.Sigmas[^3]);
        var x = Tensor.Full(0.5f, 1, 4);
        foreach (float t in session.Timesteps)
        {
            var eps = session.ScaleModelInput(x, t).Multiply(0.3f);
            x = session.Step(eps, t, x).PrevSample;
        }

        x.Span.ToArray().ShouldAllBe(v => float.IsFinite(v));
    }

    [Theory]
    [InlineData(61)]
    [InlineData(103)]
    public void Solver_schedulers_keep_the_extra_trailing_timestep_as_diffusers_does(int steps)
    {
        // DPM-Solver++, DEIS and UniPC build trailing timesteps with the same numpy arange (from the last, possibly
        // lambda-clipped, timestep) and interpolate sigmas with np.interp, which clamps -1 to the first training sigma.
        IScheduler[] schedulers =
        [
            new DpmSolverMultistepScheduler(new DpmSolverMultistepSchedulerOptions { TimestepSpacing = "trailing" }),
            new DeisMultistepScheduler(new DeisMultistepSchedulerOptions { TimestepSpacing = "trailing" }),
            new UniPcMultistepScheduler(new UniPcMultistepSchedulerOptions { TimestepSpacing = "trailing" }),
        ];
        foreach (var scheduler in schedulers)
        {
            var session = scheduler.SetTimesteps(steps);
            session.Timesteps.Count.ShouldBe(steps + 1, scheduler.Id);
            session.Timesteps[0].ShouldBe(999f, scheduler.Id);
            session.Timesteps[^1].ShouldBe(-1f, scheduler.Id);
            float firstTrainingSigma = MathF.Sqrt((1 - scheduler.AlphasCumprod[0]) / scheduler.AlphasCumprod[0]);
            session.Sigmas![^2].ShouldBe(firstTrainingSigma, 1e-6f, scheduler.Id);
        }
    }

    [Theory]
    [InlineData(60)]
    [InlineData(62)]
    public void Trailing_spacing_has_no_extra_timestep_for_other_counts(int steps)
    {
        var options = new EulerDiscreteSchedulerOptions { TimestepSpacing = "trailing" };
        new EulerDiscreteScheduler(options).SetTimesteps(steps).Timesteps.Count.ShouldBe(steps);
    }

    [Fact]
    public void Linear_betas_give_the_closed_form_cumulative_product()
    {
        var scheduler = new DdimScheduler(new DdimSchedulerOptions());
        // beta_i = 0.0001 + i * (0.02 - 0.0001) / 999
        double product = 1;
        for (int i = 0; i < 1000; i++)
        {
            product *= 1 - (0.0001 + (i * (0.02 - 0.0001) / 999));
            scheduler.AlphasCumprod[i].ShouldBe((float)product, Math.Max(1e-6f * (float)product, 1e-12f));
        }
    }

    [Fact]
    public void Cosine_schedule_follows_its_alpha_bar()
    {
        var scheduler = new DdimScheduler(new DdimSchedulerOptions { BetaSchedule = "squaredcos_cap_v2" });
        static double AlphaBar(double t) => Math.Pow(Math.Cos((t + 0.008) / 1.008 * Math.PI / 2), 2);
        // Away from the capped end, alphas_cumprod telescopes to alpha_bar((i + 1) / n) / alpha_bar(0).
        foreach (int i in new[] { 0, 100, 500, 900 })
        {
            scheduler.AlphasCumprod[i].ShouldBe((float)(AlphaBar((i + 1) / 1000.0) / AlphaBar(0)), 1e-5f);
        }
    }

    [Fact]
    public void Zero_terminal_snr_ends_with_zero_signal_and_keeps_the_first_step()
    {
        var plain = new DdimScheduler(StableDiffusion);
        var rescaled = new DdimScheduler(StableDiffusion with { RescaleBetasZeroSnr = true });
        rescaled.AlphasCumprod[^1].ShouldBe(0f, 1e-9f);
        rescaled.AlphasCumprod[0].ShouldBe(plain.AlphasCumprod[0], 1e-6f);
        rescaled.PredictionType.ShouldBe(PredictionType.Epsilon);
    }
}
