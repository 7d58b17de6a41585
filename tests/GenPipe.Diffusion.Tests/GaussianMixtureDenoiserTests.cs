using GenPipe.Abstractions.Models;
using GenPipe.Diffusion.Tests.Refs;
using GenPipe.Tensors;
using Shouldly;
using Xunit;

namespace GenPipe.Diffusion.Tests;

public sealed class GaussianMixtureDenoiserTests
{
    private static readonly float[] AlphasCumprod = ReferenceData.StableDiffusionAlphasCumprod;

    [Fact]
    public void DeclaresEpsilonPredictionAndTheSampleDimension()
    {
        var denoiser = new GaussianMixtureDenoiser(new GaussianMixtureOptions { Means = [[0, 0, 0]], Stds = [1] });

        denoiser.PredictionType.ShouldBe(PredictionType.Epsilon);
        denoiser.SampleShape.ShouldBe([3]);
        denoiser.AlphasCumprod.ShouldBe(AlphasCumprod);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(250)]
    [InlineData(600)]
    [InlineData(999)]
    public void OneComponentPosteriorMeanIsTheGaussianRegression(int t)
    {
        // For x0 ~ N(mu, s^2 I), E[x0 | x_t] = mu + Cov(x0, x_t) / Var(x_t) (x_t - E x_t) with Cov = sqrt(abar) s^2 and
        // Var = abar s^2 + 1 - abar: linear in x_t. abar comes from diffusers' table, not from the denoiser.
        double[] mu = [1.5, -0.5];
        const double s = 0.7;
        var denoiser = new GaussianMixtureDenoiser(new GaussianMixtureOptions { Means = [mu], Stds = [s] });
        double abar = AlphasCumprod[t];
        float[] points = [2.0f, 0.0f, -1.0f, 3.0f, 0.25f, -0.75f];

        var eps = Predict(denoiser, points, t);

        for (int i = 0; i < points.Length; i++)
        {
            int d = i % 2;
            double x0Hat = mu[d] + (Math.Sqrt(abar) * s * s / ((abar * s * s) + 1 - abar) * (points[i] - (Math.Sqrt(abar) * mu[d])));
            double expected = (points[i] - (Math.Sqrt(abar) * x0Hat)) / Math.Sqrt(1 - abar);
            eps[i].ShouldBe(expected, 2e-6 * Math.Max(1, Math.Abs(expected)), $"element {i}");
        }
    }

    [Theory]
    [InlineData(20)]
    [InlineData(300)]
    [InlineData(700)]
    public void TwoComponentPosteriorMeanMatchesNumericalIntegration(int t)
    {
        // Brute force, independent of responsibilities: E[x0 | x_t] = ∫ x0 p(x0) q(x_t | x0) dx0 / ∫ p(x0) q(x_t | x0) dx0
        // with q = N(sqrt(abar) x0, 1 - abar), by Simpson's rule on [-10, 10].
        double[] means = [-2.0, 1.5];
        double[] stds = [0.4, 0.8];
        double[] weights = [0.3, 0.7];
        var denoiser = new GaussianMixtureDenoiser(new GaussianMixtureOptions { Means = [[-2.0], [1.5]], Stds = stds, Weights = weights });
        double abar = AlphasCumprod[t];
        float[] points = [-3f, -1f, 0f, 0.7f, 2.5f];

        var eps = Predict(denoiser, points, t);

        for (int i = 0; i < points.Length; i++)
        {
            double x0Hat = IntegratePosteriorMean(points[i], abar, means, stds, weights);
            double expected = (points[i] - (Math.Sqrt(abar) * x0Hat)) / Math.Sqrt(1 - abar);
            eps[i].ShouldBe(expected, 1e-5 * Math.Max(1, Math.Abs(expected)), $"x_t = {points[i]}");
        }
    }

    [Fact]
    public void EpsilonIsTweediesScoreOfTheNoisyMarginal()
    {
        // eps_hat = -sqrt(1 - abar) grad log p_t(x_t); the gradient by central differences of the marginal's log density.
        var denoiser = new GaussianMixtureDenoiser(new GaussianMixtureOptions
        {
            Means = [[1, 2], [-1, 0], [0.5, -1.5]],
            Stds = [0.5, 1, 0.2],
            Weights = [0.2, 0.5, 0.3],
        });
        const int t = 400;
        double abar = AlphasCumprod[t];
        float[] points = [0.3f, -0.2f, 1.1f, 1.9f, -2f, 0.5f];

        var eps = Predict(denoiser, points, t);

        const double h = 1e-5;
        for (int i = 0; i < points.Length; i++)
        {
            double[] plus = [points[i - (i % 2)], points[i - (i % 2) + 1]];
            double[] minus = [.. plus];
            plus[i % 2] += h;
            minus[i % 2] -= h;
            double gradient = (denoiser.Mixture.NoisyLogDensity(plus, abar) - denoiser.Mixture.NoisyLogDensity(minus, abar)) / (2 * h);
            eps[i].ShouldBe(-Math.Sqrt(1 - abar) * gradient, 1e-5, $"element {i}");
        }
    }

    [Fact]
    public async Task EpsilonIsTheConditionalMeanOfTheAddedNoise()
    {
        // eps_hat(x_t) = E[eps | x_t], so over the forward process E[eps_hat] = 0 and the residual eps - eps_hat is
        // uncorrelated with eps_hat, while E[eps * eps_hat] = E[eps_hat^2]. Monte Carlo, 20000 draws, 5 standard errors.
        var denoiser = new GaussianMixtureDenoiser(new GaussianMixtureOptions());
        const int t = 500;
        const int count = 20_000;
        double abar = AlphasCumprod[t];
        var random = new TorchGenerator(11);
        var x0 = denoiser.Mixture.Sample(count, random);
        var noise = random.Randn(count, 2);
        var xt = Tensor.Zeros(count, 2);
        for (int i = 0; i < xt.Length; i++)
        {
            xt.Span[i] = (float)((Math.Sqrt(abar) * x0.Span[i]) + (Math.Sqrt(1 - abar) * noise.Span[i]));
        }

        var eps = (await denoiser.PredictAsync(new DenoiserInput(xt, t), CancellationToken.None)).Span.ToArray();

        double[] residualProducts = [.. eps.Select((e, i) => (noise.Span[i] - e) * e)];
        AssertMeanIsZero(eps.Select(e => (double)e).ToArray());
        AssertMeanIsZero(residualProducts);
    }

    [Fact]
    public void ReconstructedCleanSampleIsThePosteriorMean()
    {
        var denoiser = new GaussianMixtureDenoiser(new GaussianMixtureOptions());
        const int t = 150;
        double abar = AlphasCumprod[t];
        float[] points = [0.4f, 1.9f, -2.5f, 0.1f];

        var eps = Predict(denoiser, points, t);

        for (int n = 0; n < 2; n++)
        {
            var mean = new double[2];
            denoiser.Mixture.PosteriorMean([points[2 * n], points[(2 * n) + 1]], abar, mean);
            for (int d = 0; d < 2; d++)
            {
                double x0 = (points[(2 * n) + d] - (Math.Sqrt(1 - abar) * eps[(2 * n) + d])) / Math.Sqrt(abar);
                x0.ShouldBe(mean[d], 1e-5);
            }
        }
    }

    [Fact]
    public void FractionalTimestepsInterpolateSigmaLinearly()
    {
        var denoiser = new GaussianMixtureDenoiser(new GaussianMixtureOptions { Means = [[0.5]], Stds = [0.6] });
        // diffusers' sigma table is float32: ((1 - alphas_cumprod) / alphas_cumprod) ** 0.5 on a float32 tensor.
        double sigma10 = MathF.Sqrt((1f - AlphasCumprod[10]) / AlphasCumprod[10]);
        double sigma11 = MathF.Sqrt((1f - AlphasCumprod[11]) / AlphasCumprod[11]);
        double sigma = (0.25 * sigma10) + (0.75 * sigma11);
        double expectedAbar = 1 / (1 + (sigma * sigma));

        denoiser.AlphaBarAt(10.75).ShouldBe(expectedAbar, 1e-12);
        denoiser.AlphaBarAt(10).ShouldBe(AlphasCumprod[10]);

        var eps = Predict(denoiser, [1.2f], 10.75f);
        double x0Hat = 0.5 + (Math.Sqrt(expectedAbar) * 0.36 / ((expectedAbar * 0.36) + 1 - expectedAbar) * (1.2 - (Math.Sqrt(expectedAbar) * 0.5)));
        eps[0].ShouldBe((1.2 - (Math.Sqrt(expectedAbar) * x0Hat)) / Math.Sqrt(1 - expectedAbar), 2e-6);
    }

    [Fact]
    public void TimestepsOutsideTheTrainingRangeAreRejected()
    {
        var denoiser = new GaussianMixtureDenoiser(new GaussianMixtureOptions());

        denoiser.AlphaBarAt(999.0004).ShouldBe(AlphasCumprod[999]);
        Should.Throw<ArgumentOutOfRangeException>(() => denoiser.AlphaBarAt(1000.5)).Message.ShouldContain("timesteps 0 to 999");
        denoiser.AlphaBarAt(-1).ShouldBe(AlphasCumprod[0], "diffusers' extra trailing timestep -1 clamps like np.interp");
        Should.Throw<ArgumentOutOfRangeException>(() => denoiser.AlphaBarAt(-1.5));
        Should.Throw<ArgumentOutOfRangeException>(() => denoiser.AlphaBarAt(double.NaN));
    }

    [Fact]
    public async Task SamplesOfTheWrongShapeAreRejected()
    {
        var denoiser = new GaussianMixtureDenoiser(new GaussianMixtureOptions());

        var error = await Should.ThrowAsync<ArgumentException>(async () => await denoiser.PredictAsync(new DenoiserInput(Tensor.Zeros(4, 3), 10), CancellationToken.None));
        error.Message.ShouldContain("[batch, 2]");
        error.Message.ShouldContain("[4, 3]");
        await Should.ThrowAsync<ArgumentException>(async () => await denoiser.PredictAsync(new DenoiserInput(Tensor.Zeros(2), 10), CancellationToken.None));
    }

    [Fact]
    public void EachBatchRowIsDenoisedIndependently()
    {
        var denoiser = new GaussianMixtureDenoiser(new GaussianMixtureOptions());
        float[] batch = [0.1f, 0.2f, -1.5f, 1.0f, 2.0f, -2.0f];

        var together = Predict(denoiser, batch, 321);

        for (int n = 0; n < 3; n++)
        {
            var alone = Predict(denoiser, batch[(2 * n)..((2 * n) + 2)], 321);
            together[2 * n].ShouldBe(alone[0]);
            together[(2 * n) + 1].ShouldBe(alone[1]);
        }
    }

    [Fact]
    public void FarAwayPointsDoNotUnderflow()
    {
        // Without log-sum-exp every component's density underflows to 0 here and the responsibilities become 0/0.
        var denoiser = new GaussianMixtureDenoiser(new GaussianMixtureOptions { Means = [[-1], [1]], Stds = [0.01] });

        var eps = Predict(denoiser, [400f], 0);

        double.IsFinite(eps[0]).ShouldBeTrue();
        double abar = AlphasCumprod[0];
        double gain = Math.Sqrt(abar) * 1e-4 / ((abar * 1e-4) + 1 - abar);
        double x0Hat = 1 + (gain * (400 - Math.Sqrt(abar))); // all responsibility on the nearer component, mu = 1
        eps[0].ShouldBe((400 - (Math.Sqrt(abar) * x0Hat)) / Math.Sqrt(1 - abar), 1e-3);
    }

    private static double[] Predict(GaussianMixtureDenoiser denoiser, float[] points, float t)
    {
        int d = denoiser.SampleShape[0];
        var input = new DenoiserInput(new Tensor([.. points], points.Length / d, d), t);
        var output = denoiser.PredictAsync(input, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        output.GetShape().ShouldBe([points.Length / d, d]);
        return [.. output.Span.ToArray().Select(v => (double)v)];
    }

    private static double IntegratePosteriorMean(double xt, double abar, double[] means, double[] stds, double[] weights)
    {
        const int intervals = 40_000;
        const double lo = -10;
        const double hi = 10;
        double h = (hi - lo) / intervals;
        double numerator = 0;
        double denominator = 0;
        for (int i = 0; i <= intervals; i++)
        {
            double x0 = lo + (i * h);
            double prior = 0;
            for (int k = 0; k < means.Length; k++)
            {
                prior += weights[k] * Normal(x0, means[k], stds[k] * stds[k]);
            }

            double simpson = i == 0 || i == intervals ? 1 : (i % 2 == 1 ? 4 : 2);
            double density = simpson * prior * Normal(xt, Math.Sqrt(abar) * x0, 1 - abar);
            numerator += x0 * density;
            denominator += density;
        }

        return numerator / denominator;
    }

    private static double Normal(double x, double mean, double variance) =>
        Math.Exp(-0.5 * (x - mean) * (x - mean) / variance) / Math.Sqrt(2 * Math.PI * variance);

    private static void AssertMeanIsZero(double[] values)
    {
        double mean = values.Average();
        double se = Math.Sqrt(values.Select(v => (v - mean) * (v - mean)).Sum() / values.Length / values.Length);
        Math.Abs(mean).ShouldBeLessThan(5 * se, $"mean {mean}, SE {se}");
    }
}
