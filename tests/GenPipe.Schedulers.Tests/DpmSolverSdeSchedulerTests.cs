using GenPipe.Abstractions.Models;
using GenPipe.Tensors;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace GenPipe.Schedulers.Tests;

// No diffusers references: diffusers' noise comes from torchsde's Brownian tree, which GenPipe does not reproduce.
// The schedule is checked against diffusers' formulas worked by hand, the step against the solver's formula.
[CoversScheduler("DPMSolverSDEScheduler", "dpmpp_sde", WithoutReferences = true)]
public sealed class DpmSolverSdeSchedulerTests(ITestOutputHelper output)
    : SchedulerSpecificationTests<DpmSolverSdeSchedulerOptions>(output)
{
    protected override IScheduler Create(DpmSolverSdeSchedulerOptions options) => new DpmSolverSdeScheduler(options);

    protected override int TimestepCount(int steps) => (2 * steps) - 1;

    // The odd positions are the midpoint evaluations.
    protected override IEnumerable<float> PrincipalTimesteps(IReadOnlyList<float> timesteps) => timesteps.Where((_, i) => i % 2 == 0);

    [Fact]
    public void Three_linspace_steps_interleave_levels_with_their_log_midpoints()
    {
        var scheduler = new DpmSolverSdeScheduler(new DpmSolverSdeSchedulerOptions());
        var session = scheduler.SetTimesteps(3);
        double[] training = TrainingSigmas(scheduler.AlphasCumprod);
        // linspace(0, 999, 3) reversed: 999, 499.5, 0; sigma at 499.5 is the mean of its neighbours'.
        double s0 = training[999];
        double s1 = (training[499] + training[500]) / 2;
        double s2 = training[0];
        double m0 = Math.Sqrt(s0 * s1);
        double m1 = Math.Sqrt(s1 * s2);

        double[] timesteps = [999, ToTimestep(training, m0), 499.5, ToTimestep(training, m1), 0];
        double[] sigmas = [s0, s1, s1, s2, s2, 0];
        session.Timesteps.Count.ShouldBe(5);
        for (int i = 0; i < timesteps.Length; i++)
        {
            session.Timesteps[i].ShouldBe((float)timesteps[i], 1e-3f, $"timestep {i}");
        }

        session.Sigmas!.Count.ShouldBe(6);
        for (int i = 0; i < sigmas.Length; i++)
        {
            session.Sigmas[i].ShouldBe((float)sigmas[i], 1e-5f * (float)s0, $"sigma {i}");
        }

        // The midpoints' timesteps are fractional: between their neighbours, not at either.
        session.Timesteps[1].ShouldBeInRange(499.6f, 998.9f);
        // linspace spacing: the initial noise is the largest sigma itself.
        session.InitNoiseSigma.ShouldBe((float)s0, 1e-5f * (float)s0);
    }

    [Fact]
    public void The_karras_preset_spaces_three_levels_by_rho_seven_with_fractional_timesteps()
    {
        var scheduler = new DpmSolverSdeScheduler(new DpmSolverSdeKarrasOptions());
        var session = scheduler.SetTimesteps(3);
        double[] training = TrainingSigmas(scheduler.AlphasCumprod);
        double max = training[999];
        double min = training[0];
        double middle = Math.Pow((Math.Pow(max, 1 / 7.0) + Math.Pow(min, 1 / 7.0)) / 2, 7);

        double[] sigmas = [max, middle, middle, min, min, 0];
        for (int i = 0; i < sigmas.Length; i++)
        {
            session.Sigmas![i].ShouldBe((float)sigmas[i], 1e-5f * (float)max, $"sigma {i}");
        }

        double[] timesteps = [999, ToTimestep(training, Math.Sqrt(max * middle)), ToTimestep(training, middle), ToTimestep(training, Math.Sqrt(middle * min)), 0];
        for (int i = 0; i < timesteps.Length; i++)
        {
            session.Timesteps[i].ShouldBe((float)timesteps[i], 1e-3f, $"timestep {i}");
        }

        // Not rounded to whole steps (KDPM2 rounds its Karras timesteps, this class does not).
        (session.Timesteps[2] % 1).ShouldNotBe(0f);
    }

    [Fact]
    public void Without_noise_a_step_is_two_ancestral_exponential_integrator_stages_worked_by_hand()
    {
        const double C = 0.7;
        var random = new ReplayingRandomSource([[0f, 0f], [0f, 0f]]);
        var session = new DpmSolverSdeScheduler(new DpmSolverSdeSchedulerOptions()).SetTimesteps(2);
        double s0 = session.Sigmas![0];
        double s1 = session.Sigmas[1];
        double mid = Math.Sqrt(s0 * s1);
        double[] x = [1.5, -0.4];

        // The denoiser of N(0, C^2) data, D(x, sigma) = x C^2 / (C^2 + sigma^2), handed over as epsilon = (x - D) / sigma.
        static double Denoise(double x, double sigma) => x * C * C / ((C * C) + (sigma * sigma));
        static double Ratio(double from, double to)
        {
            double up = Math.Min(to, Math.Sqrt(to * to * ((from * from) - (to * to)) / (from * from)));
            return Math.Sqrt((to * to) - (up * up)) / from;
        }

        double r1 = Ratio(s0, mid);
        double r2 = Ratio(s0, s1);
        double[] xMid = [.. x.Select(v => (r1 * v) + ((1 - r1) * Denoise(v, s0)))];
        double[] x1 = [.. x.Select((v, i) => (r2 * v) + ((1 - r2) * Denoise(xMid[i], mid)))];
        double[] final = [.. x1.Select(v => Denoise(v, s1))];

        var sample = Column(x);
        sample = session.Step(Epsilon(sample, s0, Denoise), session.Timesteps[0], sample, random).PrevSample;
        ShouldMatch(sample, xMid);
        sample = session.Step(Epsilon(sample, mid, Denoise), session.Timesteps[1], sample, random).PrevSample;
        ShouldMatch(sample, x1);
        // The last step, onto sigma = 0, is Euler's: it lands on the denoiser's prediction and draws no noise.
        sample = session.Step(Epsilon(sample, s1, Denoise), session.Timesteps[2], sample, random).PrevSample;
        ShouldMatch(sample, final);
        random.Remaining.ShouldBe(0);
        // Halving the log-sigma step twice over: the midpoint's model input is scaled by its own sigma.
        session.Timesteps.Count.ShouldBe(3);
    }

    [Fact]
    public void The_second_stage_reuses_the_first_brownian_piece()
    {
        // A zero denoiser isolates the noise: x_mid = r1 x + up1 z1, x_next = r2 x + up2 (a z1 + b z2).
        float[] z1 = [0.8f, -1.1f];
        float[] z2 = [-0.3f, 0.5f];
        var random = new ReplayingRandomSource([z1, z2]);
        var session = new DpmSolverSdeScheduler(new DpmSolverSdeSchedulerOptions()).SetTimesteps(2);
        double s0 = session.Sigmas![0];
        double s1 = session.Sigmas[1];
        double mid = Math.Sqrt(s0 * s1);
        double[] x = [1.5, -0.4];
        static (double Ratio, double Up) Split(double from, double to)
        {
            double up = Math.Min(to, Math.Sqrt(to * to * ((from * from) - (to * to)) / (from * from)));
            return (Math.Sqrt((to * to) - (up * up)) / from, up);
        }

        var (r1, up1) = Split(s0, mid);
        var (r2, up2) = Split(s0, s1);
        double a = Math.Sqrt((s0 - mid) / (s0 - s1));
        double b = Math.Sqrt((mid - s1) / (s0 - s1));
        double[] xMid = [.. x.Select((v, i) => (r1 * v) + (up1 * z1[i]))];
        double[] x1 = [.. x.Select((v, i) => (r2 * v) + (up2 * ((a * z1[i]) + (b * z2[i]))))];

        var sample = Column(x);
        sample = session.Step(Epsilon(sample, s0, (_, _) => 0), session.Timesteps[0], sample, random).PrevSample;
        ShouldMatch(sample, xMid);
        sample = session.Step(Epsilon(sample, mid, (_, _) => 0), session.Timesteps[1], sample, random).PrevSample;
        ShouldMatch(sample, x1);
        // The combined increment has unit variance: a^2 + b^2 = 1.
        ((a * a) + (b * b)).ShouldBe(1, 1e-12);
    }

    [Fact]
    public void S_noise_zero_ignores_the_draws()
    {
        var quiet = Run(new DpmSolverSdeSchedulerOptions { SNoise = 0 }, new PatternRandomSource());
        var zero = Run(new DpmSolverSdeSchedulerOptions(), new ReplayingRandomSource([.. Enumerable.Range(0, 8).Select(_ => new float[4])]));
        var noisy = Run(new DpmSolverSdeSchedulerOptions(), new PatternRandomSource());
        quiet.ShouldBe(zero, 1e-6f);
        Math.Abs(noisy[0] - quiet[0]).ShouldBeGreaterThan(1e-3f);
    }

    [Fact]
    public void A_run_of_n_steps_draws_one_tensor_per_model_call_but_the_last()
    {
        var session = new DpmSolverSdeScheduler(new DpmSolverSdeSchedulerOptions()).SetTimesteps(3);
        var random = new ReplayingRandomSource([.. Enumerable.Range(0, 4).Select(_ => new float[4])]);
        var x = Tensor.Full(1f, 1, 1, 2, 2);
        foreach (float t in session.Timesteps)
        {
            x = session.Step(Tensor.Zeros(1, 1, 2, 2), t, x, random).PrevSample;
        }

        session.Timesteps.Count.ShouldBe(5);
        random.Remaining.ShouldBe(0);
    }

    private static float[] Run(DpmSolverSdeSchedulerOptions options, IRandomSource random)
    {
        var session = new DpmSolverSdeScheduler(options).SetTimesteps(4);
        var x = new Tensor([1f, -0.5f, 0.25f, 2f], [1, 1, 2, 2]);
        foreach (float t in session.Timesteps)
        {
            // A fixed epsilon: the trajectory depends on the noise only through s_noise * up * w.
            x = session.Step(Tensor.Full(0.1f, 1, 1, 2, 2), t, x, random).PrevSample;
        }

        return x.Span.ToArray();
    }

    private static Tensor Column(double[] values) => new([.. values.Select(v => (float)v)], [1, 1, 1, values.Length]);

    private static Tensor Epsilon(Tensor sample, double sigma, Func<double, double, double> denoise) =>
        new([.. sample.Span.ToArray().Select(v => (float)((v - denoise(v, sigma)) / sigma))], sample.GetShape());

    private static void ShouldMatch(Tensor actual, double[] expected)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            actual.Span[i].ShouldBe((float)expected[i], 1e-5f * Math.Max(1f, Math.Abs((float)expected[i])), $"element {i}");
        }
    }

    private static double[] TrainingSigmas(ReadOnlySpan<float> alphasCumprod)
    {
        var sigmas = new double[alphasCumprod.Length];
        for (int i = 0; i < sigmas.Length; i++)
        {
            sigmas[i] = Math.Sqrt((1 - alphasCumprod[i]) / alphasCumprod[i]);
        }

        return sigmas;
    }

    // diffusers' _sigma_to_t: linear interpolation of the timestep in log sigma between the bracketing training sigmas.
    private static double ToTimestep(double[] training, double sigma)
    {
        double log = Math.Log(sigma);
        int low = 0;
        while (low < training.Length - 2 && Math.Log(training[low + 1]) <= log)
        {
            low++;
        }

        double w = (Math.Log(training[low]) - log) / (Math.Log(training[low]) - Math.Log(training[low + 1]));
        return low + Math.Clamp(w, 0, 1);
    }
}
