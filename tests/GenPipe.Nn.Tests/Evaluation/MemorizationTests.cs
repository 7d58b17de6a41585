using GenPipe.Nn.Evaluation;
using Shouldly;
using Xunit;

namespace GenPipe.Nn.Tests.Evaluation;

/// <summary>
/// Nearest-training distances on constructed points (exact copies at 0, known offsets), against a brute-force double
/// loop on pixel-like data, and the memorization report's medians, percentile threshold and near copies.
/// </summary>
public sealed class MemorizationTests
{
    [Fact]
    public void Distances_to_constructed_points_are_the_known_ones()
    {
        float[] references = [0, 0, 0, 0, 1, 0, 0, 0, 0, 2, 0, 0];
        var index = new NearestNeighborIndex(references, 3, 4);
        float[] queries =
        [
            1, 0, 0, 0, // a copy of reference 1
            0, 2, 0, 1, // reference 2 plus 1 along the last axis
            3, 0, 0, 0, // 2 beyond reference 1
            0.5f, 0, 0, 0, // half-way between references 0 and 1
            0, 0, 3, 4, // 5 from reference 0 (3-4-5)
        ];

        index.Distances(queries, 5).ShouldBe([0, 1, 2, 0.5, 5]);
    }

    [Fact]
    public void Distances_match_a_brute_force_loop_on_pixel_like_data()
    {
        // 600 references of 784 values in [0, 1]; 300 queries (more than one GEMM block): exact copies, slightly moved
        // copies and fresh points.
        const int Dimension = 784, Count = 600, Queries = 300;
        var random = new Random(7);
        float[] references = Enumerable.Range(0, Count * Dimension).Select(_ => random.NextSingle()).ToArray();
        var queries = new float[Queries * Dimension];
        for (int q = 0; q < Queries; q++)
        {
            int source = random.Next(Count);
            for (int i = 0; i < Dimension; i++)
            {
                float value = references[(source * Dimension) + i];
                queries[(q * Dimension) + i] = (q % 3) switch
                {
                    0 => value,
                    1 => Math.Clamp(value + ((random.NextSingle() - 0.5f) * 0.1f), 0, 1),
                    _ => random.NextSingle(),
                };
            }
        }

        double[] distances = new NearestNeighborIndex(references, Count, Dimension).Distances(queries, Queries);

        for (int q = 0; q < Queries; q++)
        {
            double best = double.PositiveInfinity;
            for (int r = 0; r < Count; r++)
            {
                double sum = 0;
                for (int i = 0; i < Dimension; i++)
                {
                    double d = (double)queries[(q * Dimension) + i] - references[(r * Dimension) + i];
                    sum += d * d;
                }

                best = Math.Min(best, sum);
            }

            distances[q].ShouldBe(Math.Sqrt(best), 1e-9, $"query {q}");
            if (q % 3 == 0)
            {
                distances[q].ShouldBe(0, $"query {q} is an exact copy");
            }
        }
    }

    [Fact]
    public void Percentiles_interpolate_as_numpy()
    {
        Percentiles.Median([4, 1, 3, 2]).ShouldBe(2.5); // np.percentile([1, 2, 3, 4], 50)
        Percentiles.Of([10, 7, 4, 3, 2, 1], 25).ShouldBe(2.25); // np.percentile(..., 25): rank 1.25 of [1, 2, 3, 4, 7, 10]
        Percentiles.Of([5], 1).ShouldBe(5);
        Percentiles.Of([1, 2, 3], 100).ShouldBe(3);
        Should.Throw<ArgumentException>(() => Percentiles.Median([]));
    }

    [Fact]
    public void The_report_counts_samples_closer_than_the_held_out_first_percentile()
    {
        double[] heldOut = Enumerable.Range(1, 100).Select(i => (double)i).ToArray(); // 1st percentile: 1 + 0.99 = 1.99
        double[] samples = [0, 0, 5, 50, 1.99];

        var report = MemorizationReport.Compute(samples, heldOut);

        report.NearCopyThreshold.ShouldBe(1.99, 1e-12);
        report.NearCopies.ShouldBe(2, "the threshold itself is not closer than the threshold");
        report.NearCopyShare.ShouldBe(0.4);
        report.MedianSampleDistance.ShouldBe(1.99);
        report.MedianHeldOutDistance.ShouldBe(50.5);
        report.Ratio.ShouldBe(1.99 / 50.5, 1e-15);
    }

    [Fact]
    public void Exact_copies_of_training_points_are_near_copies_at_distance_zero()
    {
        // A grid of training points 1 apart; held-out points off the grid by 0.3 to 0.5; samples: copies and two fresh points.
        var training = new List<float>();
        for (int x = 0; x < 10; x++)
        {
            for (int y = 0; y < 10; y++)
            {
                training.AddRange([x, y]);
            }
        }

        var index = new NearestNeighborIndex(training.ToArray(), 100, 2);
        float[] heldOut = Enumerable.Range(0, 50).SelectMany(i => new[] { (i % 10) + 0.3f + (0.004f * i), (i / 10) + 0f }).ToArray();
        float[] samples = [3, 4, 7, 7, 0, 9, 5.5f, 5, 2, 2.5f];

        double[] heldOutDistances = index.Distances(heldOut, 50);
        double[] sampleDistances = index.Distances(samples, 5);
        var report = MemorizationReport.Compute(sampleDistances, heldOutDistances);

        heldOutDistances.Min().ShouldBe(0.3, 1e-6);
        sampleDistances.ShouldBe([0, 0, 0, 0.5, 0.5]);
        report.NearCopies.ShouldBe(3);
        report.NearCopyShare.ShouldBe(0.6);
        report.MedianSampleDistance.ShouldBe(0);
    }
}
