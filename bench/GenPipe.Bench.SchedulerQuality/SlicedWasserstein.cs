// Sliced Wasserstein-2 distance (Rabin, Peyré, Delon & Bernot, 2011):
//   SW2(P, Q)^2 = E_theta[ W2(theta . P, theta . Q)^2 ],  theta uniform on the unit sphere,
// and in one dimension W2 between two empirical measures of equal size n is the RMS difference of their sorted values.
// The expectation is a fixed set of directions: evenly spaced half-circle angles in 2-D (a quadrature with no sampling
// noise), seeded Gaussian directions otherwise, so two calls with the same arguments agree to the last bit.
using GenPipe.Tensors;

namespace GenPipe.Bench.SchedulerQuality;

/// <summary>The sliced Wasserstein-2 distance between two equal-size point sets.</summary>
public static class SlicedWasserstein
{
    /// <summary>
    /// SW2 between the rows of <paramref name="a"/> and <paramref name="b"/> (both [n, D]), over
    /// <paramref name="projections"/> fixed directions.
    /// </summary>
    /// <exception cref="ArgumentException">The sets differ in shape or are empty.</exception>
    public static double Distance(Tensor a, Tensor b, int projections, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentOutOfRangeException.ThrowIfLessThan(projections, 1);
        if (a.Rank != 2 || !a.SameShape(b) || a.Dim(0) == 0)
        {
            throw new ArgumentException(
                $"Both point sets need the same shape [n, D] with n > 0; got {Tensor.FormatShape(a.Shape)} and {Tensor.FormatShape(b.Shape)}.");
        }

        int n = a.Dim(0);
        int dimension = a.Dim(1);
        var directions = Directions(dimension, projections, seed);
        var pa = new double[n];
        var pb = new double[n];
        double total = 0;
        for (int p = 0; p < projections; p++)
        {
            Project(a.Span, directions[p], pa);
            Project(b.Span, directions[p], pb);
            Array.Sort(pa);
            Array.Sort(pb);
            double sum = 0;
            for (int i = 0; i < n; i++)
            {
                double d = pa[i] - pb[i];
                sum += d * d;
            }

            total += sum / n;
        }

        return Math.Sqrt(total / projections);
    }

    /// <summary>Unit directions: evenly spaced angles over the half circle in 2-D, seeded Gaussian directions otherwise.</summary>
    internal static double[][] Directions(int dimension, int projections, int seed)
    {
        var directions = new double[projections][];
        if (dimension == 2)
        {
            for (int p = 0; p < projections; p++)
            {
                double angle = Math.PI * (p + 0.5) / projections;
                directions[p] = [Math.Cos(angle), Math.Sin(angle)];
            }

            return directions;
        }

        var draws = new TorchGenerator(seed).Randn(projections, dimension).Span;
        for (int p = 0; p < projections; p++)
        {
            var direction = new double[dimension];
            double norm = 0;
            for (int d = 0; d < dimension; d++)
            {
                direction[d] = draws[(p * dimension) + d];
                norm += direction[d] * direction[d];
            }

            norm = Math.Sqrt(norm);
            for (int d = 0; d < dimension; d++)
            {
                direction[d] /= norm;
            }

            directions[p] = direction;
        }

        return directions;
    }

    private static void Project(ReadOnlySpan<float> points, double[] direction, double[] result)
    {
        int dimension = direction.Length;
        for (int i = 0; i < result.Length; i++)
        {
            double dot = 0;
            for (int d = 0; d < dimension; d++)
            {
                dot += points[(i * dimension) + d] * direction[d];
            }

            result[i] = dot;
        }
    }
}
