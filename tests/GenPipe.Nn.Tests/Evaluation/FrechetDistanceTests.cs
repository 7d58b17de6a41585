using GenPipe.Nn.Evaluation;
using Shouldly;
using Xunit;

namespace GenPipe.Nn.Tests.Evaluation;

/// <summary>
/// The Fréchet distance on Gaussians whose distance is known in closed form: diagonal and commuting covariances
/// (|m1 - m2|² + Σ (√a - √b)²), a non-commuting 2x2 pair (Tr √M = √(tr M + 2 √det M) for a 2x2 PSD M), and samples whose
/// estimate converges to the closed form.
/// </summary>
public sealed class FrechetDistanceTests
{
    [Fact]
    public void Diagonal_gaussians_give_the_mean_term_plus_the_squared_root_differences()
    {
        double[] m1 = [1, -2, 0.5, 3], m2 = [0, 1, 0.5, 2];
        double[] a = [4, 1, 0.25, 9], b = [1, 1, 1, 2];

        double distance = FrechetDistance.FromMoments(m1, Diagonal(a), m2, Diagonal(b));

        // |m1 - m2|² = 1 + 9 + 0 + 1; (2-1)² + 0 + (0.5-1)² + (3-√2)².
        double expected = 11 + 1 + 0.25 + Math.Pow(3 - Math.Sqrt(2), 2);
        distance.ShouldBe(expected, 1e-12);
    }

    [Fact]
    public void Commuting_covariances_in_a_rotated_basis_give_the_same_closed_form()
    {
        // Q diag(a) Qᵀ and Q diag(b) Qᵀ: full matrices, but their distance is that of the diagonal ones.
        double[] a = [4, 1, 0.25, 9, 2], b = [1, 1, 1, 2, 0.5];
        double[] m1 = [0, 0, 0, 0, 0], m2 = [1, 0, 0, 0, -1];

        double distance = FrechetDistance.FromMoments(m1, GaussianSamples.Rotated(a, 0.7), m2, GaussianSamples.Rotated(b, 0.7));

        double expected = 2 + a.Zip(b, (x, y) => Math.Pow(Math.Sqrt(x) - Math.Sqrt(y), 2)).Sum();
        distance.ShouldBe(expected, 1e-10);
    }

    [Fact]
    public void Non_commuting_covariances_match_the_two_by_two_trace_identity()
    {
        // S1 = diag(4, 1), S2 = [[2, 1], [1, 2]]: M = S1^½ S2 S1^½ = [[8, 2], [2, 2]], tr M = 10, det M = 12, so
        // Tr √M = √(10 + 2√12) and the distance is |m1 - m2|² + 5 + 4 - 2 √(10 + 4√3).
        var s1 = new double[,] { { 4, 0 }, { 0, 1 } };
        var s2 = new double[,] { { 2, 1 }, { 1, 2 } };
        double[] m1 = [1, 2], m2 = [0, 0];
        double expected = 5 + 9 - (2 * Math.Sqrt(10 + (4 * Math.Sqrt(3))));

        FrechetDistance.FromMoments(m1, s1, m2, s2).ShouldBe(expected, 1e-12);
        FrechetDistance.FromMoments(m2, s2, m1, s1).ShouldBe(expected, 1e-12, "the distance is symmetric");
        expected.ShouldBe(5.7712204, 1e-6); // the number: 14 - 2 √16.928203
    }

    [Fact]
    public void Identical_gaussians_are_at_distance_zero()
    {
        var covariance = SymmetricMatrixTests.RandomPsd(20, 20, seed: 3);
        double[] mean = Enumerable.Range(0, 20).Select(i => i * 0.1).ToArray();

        FrechetDistance.FromMoments(mean, covariance, mean, covariance).ShouldBe(0, 1e-9);
    }

    [Fact]
    public void A_feature_set_against_itself_is_at_distance_zero()
    {
        // 500 correlated 32-dimensional vectors: the distance of the set to itself is rounding only.
        var covariance = GaussianSamples.Rotated(Enumerable.Range(1, 32).Select(i => 1.0 / i).ToArray(), 0.3);
        float[] rows = GaussianSamples.Draw(new double[32], covariance, 500, seed: 5);
        var statistics = FeatureStatistics.Of(rows, 500, 32);

        double distance = FrechetDistance.Between(statistics, FeatureStatistics.Of(rows, 500, 32));

        Math.Abs(distance).ShouldBeLessThan(1e-9 * SymmetricMatrix.Trace(statistics.Covariance));
    }

    [Fact]
    public void Samples_converge_to_the_closed_form()
    {
        // N(0, I) against N((1, 0, -1), Q diag(4, 1, 1/4) Qᵀ): |m1 - m2|² = 2 and Σ (1 - √b)² = 1 + 0 + 1/4, so 3.25.
        // With 200,000 samples per set the estimate's standard deviation is about 0.01 (mostly the mean term,
        // 2 (m1 - m2)·noise); 0.05 is five of them.
        double[] m2 = [1, 0, -1];
        var s2 = GaussianSamples.Rotated([4, 1, 0.25], 0.9);
        var identity = Diagonal([1, 1, 1]);
        const int Count = 200_000;
        float[] first = GaussianSamples.Draw(new double[3], identity, Count, seed: 11);
        float[] second = GaussianSamples.Draw(m2, s2, Count, seed: 12);

        double closed = FrechetDistance.FromMoments(new double[3], identity, m2, s2);
        double estimated = FrechetDistance.Between(FeatureStatistics.Of(first, Count, 3), FeatureStatistics.Of(second, Count, 3));

        closed.ShouldBe(3.25, 1e-12);
        estimated.ShouldBe(3.25, 0.05);
    }

    [Fact]
    public void The_covariance_divides_by_n_minus_one()
    {
        // Three points on a line: mean (2, 4), deviations ±1 and 0 along (1, 2): numpy.cov gives [[1, 2], [2, 4]].
        var statistics = FeatureStatistics.Of([1, 2, 2, 4, 3, 6], 3, 2);

        statistics.Mean.ShouldBe(new double[] { 2, 4 }, 1e-15);
        statistics.Covariance.Cast<double>().ShouldBe([1, 2, 2, 4], tolerance: 1e-15);
        statistics.Count.ShouldBe(3);
    }

    [Fact]
    public void Mismatched_sizes_are_refused()
    {
        Should.Throw<ArgumentException>(() => FrechetDistance.FromMoments([0, 0], Diagonal([1, 1]), [0, 0, 0], Diagonal([1, 1, 1])));
        Should.Throw<ArgumentException>(() => FeatureStatistics.Of([1, 2, 3], 1, 3)).Message.ShouldContain("at least two");
        Should.Throw<ArgumentException>(() => FeatureStatistics.Of([1, 2, 3, float.NaN], 2, 2)).Message.ShouldContain("NaN");
    }

    private static double[,] Diagonal(double[] values)
    {
        var matrix = new double[values.Length, values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            matrix[i, i] = values[i];
        }

        return matrix;
    }
}
