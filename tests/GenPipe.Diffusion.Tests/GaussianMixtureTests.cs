using GenPipe.Tensors;
using Shouldly;
using Xunit;

namespace GenPipe.Diffusion.Tests;

public sealed class GaussianMixtureTests
{
    [Fact]
    public void MomentsOfAOneDimensionalMixtureMatchHandComputation()
    {
        var mixture = new GaussianMixture([[-1.0], [3.0]], [0.5, 1.0], [1.0, 3.0]);

        // w = (0.25, 0.75): mean = -0.25 + 2.25 = 2; E[x^2] = 0.25 (0.25 + 1) + 0.75 (1 + 9) = 7.8125; var = 3.8125.
        mixture.Weights.ShouldBe([0.25, 0.75]);
        mixture.Mean()[0].ShouldBe(2.0, 1e-15);
        mixture.Covariance()[0, 0].ShouldBe(3.8125, 1e-14);
    }

    [Fact]
    public void CovarianceOfATwoDimensionalMixtureHasTheBetweenComponentTerm()
    {
        var mixture = new GaussianMixture([[1.0, 2.0], [-1.0, 0.0]], [0.5, 1.0]);

        // Mean (0, 1). E[x x^T] = ([[1.25, 2], [2, 4.25]] + [[2, 0], [0, 1]]) / 2 = [[1.625, 1], [1, 2.625]].
        mixture.Mean().ShouldBe([0.0, 1.0]);
        var cov = mixture.Covariance();
        cov[0, 0].ShouldBe(1.625, 1e-14);
        cov[0, 1].ShouldBe(1.0, 1e-14);
        cov[1, 0].ShouldBe(1.0, 1e-14);
        cov[1, 1].ShouldBe(1.625, 1e-14);
    }

    [Fact]
    public void ExactSamplesHaveTheClosedFormMoments()
    {
        var mixture = new GaussianMixture([[1.0, 2.0], [-1.0, 0.0], [0.5, -1.5]], [0.5, 1.0, 0.2], [0.2, 0.5, 0.3]);
        const int count = 20_000;

        var samples = mixture.Sample(count, new TorchGenerator(7));

        samples.GetShape().ShouldBe([count, 2]);
        SampleStatistics.AssertMomentsMatch(samples, mixture.Mean(), mixture.Covariance(), bias: 0, standardErrors: 5);
    }

    [Fact]
    public void ZeroWeightComponentsAreNeverSampled()
    {
        var mixture = new GaussianMixture([[-100.0], [100.0]], [0.1], [0.0, 1.0]);

        var samples = mixture.Sample(500, new TorchGenerator(1));

        samples.Span.ToArray().ShouldAllBe(v => v > 90);
    }

    [Fact]
    public void InvalidShapesAreRejectedWithTheKey()
    {
        var error = Should.Throw<ArgumentException>(() => new GaussianMixture([[0.0, 0.0], [1.0]], [1.0]));
        error.Message.ShouldContain("means[1]");
    }
}
