using GenPipe.Abstractions.Models;
using GenPipe.Core.Operators;
using GenPipe.Diffusion.Diffuse;
using GenPipe.Diffusion.Tests.Fakes;
using GenPipe.Tensors;
using GenPipe.Testing;
using Shouldly;
using Xunit;

namespace GenPipe.Diffusion.Tests;

public sealed class DiffuseOperatorTests
{
    private static readonly GaussianMixtureDenoiser Mixture = new(new GaussianMixtureOptions());

    [Fact]
    public async Task DdimSamplesHaveTheMixturesMeanAndCovariance()
    {
        // 4000 samples of the default mixture (6 clusters, s = 0.3, exact variance 1.757 per axis), 50 DDIM steps.
        //
        // Tolerance. Sampling noise: the standard error of a mean is sqrt(var / N) = sqrt(1.757 / 4000) = 0.021; that of a
        // covariance element is sqrt(Var[(x_a - m_a)(x_b - m_b)] / N), estimated from the samples' fourth moments
        // (about 0.025 here). We allow 5 standard errors (a false alarm about once in 10^6 per quantity).
        // Discretisation: DDIM with 50 steps under-disperses. Measured with 1,000,000 samples (standard errors 0.0013 for
        // the means, 0.0016 for the covariances): mean bias (-0.0002, +0.0006), i.e. none; variance bias -0.058 and -0.057
        // per axis, covariance bias -0.0002. (20 steps: -0.127; 200 steps: -0.018.) Much of it is the last step, which
        // returns E[x0 | x_19], and E[x0 | x_t] is narrower than x0 (for one cluster: s^2 abar s^2 / (abar s^2 + 1 - abar),
        // 0.075 instead of 0.09). So the expected variance is the exact one minus 0.057, with 0.01 allowance for the
        // uncertainty of that measurement.
        const int count = 4000;
        const double varianceBias = -0.057;
        var context = DiffuseContext(Mixture, new DdimTestScheduler(Mixture.AlphasCumprod))
            .WithInput("steps", 50)
            .WithInput("count", count)
            .WithInput("seed", 1234);

        var samples = (Tensor)await new DiffuseOperator().ExecuteAsync(context, CancellationToken.None);

        samples.GetShape().ShouldBe([count, 2]);
        var expectedCovariance = Mixture.Mixture.Covariance();
        expectedCovariance[0, 0] += varianceBias;
        expectedCovariance[1, 1] += varianceBias;
        SampleStatistics.AssertMomentsMatch(samples, Mixture.Mixture.Mean(), expectedCovariance, bias: 0.01, standardErrors: 5);
    }

    [Fact]
    public async Task SamplesLandOnTheClusters()
    {
        // Every sample should end near some mean: 4 stds is 1.2 here, while the cluster centres are 2 apart.
        var context = DiffuseContext(Mixture, new DdimTestScheduler(Mixture.AlphasCumprod)).WithInput("steps", 50).WithInput("count", 500);

        var samples = (Tensor)await new DiffuseOperator().ExecuteAsync(context, CancellationToken.None);

        var means = Mixture.Mixture.Means;
        var s = samples.Span.ToArray();
        int far = Enumerable.Range(0, 500).Count(n => means.Min(m => Math.Sqrt(Square(s[2 * n] - m[0]) + Square(s[(2 * n) + 1] - m[1]))) > 1.2);
        // Within a cluster P(|N(0, 0.3^2 I)| > 1.2) = exp(-8) = 3e-4 (0.2 of 500 expected); allowing 1% leaves room for
        // samples DDIM's discretisation strands between clusters without letting a broken sampler (uniform spread) pass.
        far.ShouldBeLessThanOrEqualTo(5);
    }

    [Fact]
    public async Task TheSameSeedGivesTheSameSamplesAndAnotherSeedOthers()
    {
        async Task<float[]> Run(int seed) => ((Tensor)await new DiffuseOperator().ExecuteAsync(
            DiffuseContext(Mixture, new DdimTestScheduler(Mixture.AlphasCumprod)).WithInput("seed", seed).WithInput("count", 8).WithInput("steps", 5),
            CancellationToken.None)).Span.ToArray();

        (await Run(3)).ShouldBe(await Run(3));
        (await Run(3)).ShouldNotBe(await Run(4));
    }

    [Fact]
    public async Task DefaultsAreTwentyStepsOneSample()
    {
        var denoiser = new RecordingDenoiser([2]);
        var context = DiffuseContext(denoiser, new DdimTestScheduler(Mixture.AlphasCumprod));

        var samples = (Tensor)await new DiffuseOperator().ExecuteAsync(context, CancellationToken.None);

        samples.GetShape().ShouldBe([1, 2]);
        denoiser.Calls.Count.ShouldBe(20);
        denoiser.Calls.Select(c => c.Timestep).ShouldBe(Enumerable.Range(0, 20).Select(i => 999f - (50 * i)));
        denoiser.Calls.ShouldAllBe(c => c.Conditioning == null);
    }

    [Fact]
    public async Task ReportsEveryIteration()
    {
        var context = DiffuseContext(Mixture, new DdimTestScheduler(Mixture.AlphasCumprod)).WithInput("steps", 7);

        await new DiffuseOperator().ExecuteAsync(context, CancellationToken.None);

        context.Iterations.ShouldBe(Enumerable.Range(1, 7).Select(i => (i, 7)));
    }

    [Fact]
    public async Task CancellationStopsTheLoopMidRun()
    {
        var denoiser = new RecordingDenoiser([2]);
        using var cancellation = new CancellationTokenSource();
        var context = DiffuseContext(denoiser, new DdimTestScheduler(Mixture.AlphasCumprod)).WithInput("steps", 10);
        context.OnIteration = (current, _) =>
        {
            if (current == 3)
            {
                cancellation.Cancel();
            }
        };

        await Should.ThrowAsync<OperationCanceledException>(async () => await new DiffuseOperator().ExecuteAsync(context, cancellation.Token));

        denoiser.Calls.Count.ShouldBe(3);
        context.Iterations.Count.ShouldBe(3);
    }

    [Fact]
    public async Task RejectsAPredictionTypeMismatchBeforeRunning()
    {
        var denoiser = new RecordingDenoiser([2]);
        var context = DiffuseContext(denoiser, new DdimTestScheduler(Mixture.AlphasCumprod, PredictionType.VPrediction));

        var error = await Should.ThrowAsync<InvalidOperationException>(async () => await new DiffuseOperator().ExecuteAsync(context, CancellationToken.None));

        error.Message.ShouldContain("predicts Epsilon");
        error.Message.ShouldContain("scheduler/test-ddim");
        error.Message.ShouldContain("expects VPrediction");
        error.Message.ShouldContain("\"prediction_type\" option to \"epsilon\"");
        denoiser.Calls.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("steps", 0)]
    [InlineData("count", 0)]
    [InlineData("count", -2)]
    public async Task RejectsNonPositiveStepsAndCounts(string input, int value)
    {
        var context = DiffuseContext(Mixture, new DdimTestScheduler(Mixture.AlphasCumprod)).WithInput(input, value);

        var error = await Should.ThrowAsync<ArgumentException>(async () => await new DiffuseOperator().ExecuteAsync(context, CancellationToken.None));

        error.Message.ShouldContain($"input '{input}' is {value}");
    }

    [Fact]
    public async Task GuidanceCombinesConditionalAndUnconditionalPredictions()
    {
        // The recording denoiser predicts 0 without conditioning and the embedding's first value with it.
        var denoiser = new RecordingDenoiser([2]);
        var scheduler = new DdimTestScheduler(Mixture.AlphasCumprod);
        var context = DiffuseContext(denoiser, scheduler)
            .WithInput("steps", 2)
            .WithInput("guidance", 3)
            .WithInput("conditioning", new Conditioning(Tensor.Full(2f, 1, 1)));

        await new DiffuseOperator().ExecuteAsync(context, CancellationToken.None);

        denoiser.Calls.Count.ShouldBe(4); // conditional and unconditional per step
        denoiser.Calls.Count(c => c.Conditioning is null).ShouldBe(2);
        scheduler.ModelOutputs.SelectMany(o => o.Span.ToArray()).ShouldAllBe(v => v == 6f); // 0 + 3 (2 - 0)
    }

    [Fact]
    public async Task GuidanceUsesTheNegativeConditioningAsTheUnconditionalSide()
    {
        var denoiser = new RecordingDenoiser([2]);
        var scheduler = new DdimTestScheduler(Mixture.AlphasCumprod);
        var context = DiffuseContext(denoiser, scheduler)
            .WithInput("steps", 2)
            .WithInput("guidance", 3.0)
            .WithInput("conditioning", new Conditioning(Tensor.Full(2f, 1, 1)))
            .WithInput("negative", new Conditioning(Tensor.Full(-1f, 1, 1)));

        await new DiffuseOperator().ExecuteAsync(context, CancellationToken.None);

        denoiser.Calls.ShouldAllBe(c => c.Conditioning != null);
        scheduler.ModelOutputs.SelectMany(o => o.Span.ToArray()).ShouldAllBe(v => v == 8f); // -1 + 3 (2 - (-1))
    }

    [Fact]
    public async Task GuidanceOfOneOrWithoutConditioningEvaluatesOnce()
    {
        var withConditioning = new RecordingDenoiser([2]);
        await new DiffuseOperator().ExecuteAsync(
            DiffuseContext(withConditioning, new DdimTestScheduler(Mixture.AlphasCumprod))
                .WithInput("steps", 3).WithInput("conditioning", new Conditioning(Tensor.Full(2f, 1, 1))),
            CancellationToken.None);
        var withoutConditioning = new RecordingDenoiser([2]);
        await new DiffuseOperator().ExecuteAsync(
            DiffuseContext(withoutConditioning, new DdimTestScheduler(Mixture.AlphasCumprod)).WithInput("steps", 3).WithInput("guidance", 7.5),
            CancellationToken.None);

        withConditioning.Calls.Count.ShouldBe(3);
        withConditioning.Calls.ShouldAllBe(c => c.Conditioning != null);
        withoutConditioning.Calls.Count.ShouldBe(3);
    }

    [Fact]
    public void SignatureDeclaresSlotsInputsAndDefaults()
    {
        var signature = new DiffuseOperator().Signature;

        signature.Name.ShouldBe("diffuse");
        signature.OutputType.ShouldBe(typeof(Tensor));
        signature.Cacheable.ShouldBeTrue();
        signature.Components.Select(c => (c.Name, c.ContractType, c.Required)).ShouldBe(
            [("denoiser", typeof(IDenoiser), true), ("scheduler", typeof(IScheduler), true)]);
        signature.Inputs.Select(i => (i.Name, i.Type, i.Required, i.Default)).ShouldBe(
        [
            ("steps", typeof(int), false, (object?)20),
            ("seed", typeof(int), false, 0),
            ("count", typeof(int), false, 1),
            ("guidance", typeof(double), false, 1.0),
            ("guidance_rescale", typeof(double), false, 0.0),
            ("conditioning", typeof(Conditioning), false, null),
            ("negative", typeof(Conditioning), false, null),
            ("latents", typeof(Tensor), false, null),
            ("strength", typeof(double), false, 1.0),
            ("mask", typeof(Tensor), false, null),
            ("shared_generator", typeof(bool), false, false),
            ("height", typeof(int), false, null),
            ("width", typeof(int), false, null),
            ("image_height", typeof(int), false, null),
            ("image_width", typeof(int), false, null),
        ]);
    }

    private static FakeOperatorContext DiffuseContext(IDenoiser denoiser, IScheduler scheduler) =>
        new FakeOperatorContext(new DiffuseOperator()).WithComponent("denoiser", denoiser).WithComponent("scheduler", scheduler);

    private static double Square(double x) => x * x;
}
