namespace GenPipe.Nn.Evaluation;

/// <summary>
/// The Fréchet distance between two Gaussians fitted to feature sets (FID's formula; on the digit classifier's
/// penultimate features it is called FLD here):
/// <c>|m1 - m2|² + Tr(S1 + S2 - 2 (S1^½ S2 S1^½)^½)</c>.
/// </summary>
/// <remarks>
/// <c>(S1^½ S2 S1^½)^½</c> has the trace of <c>(S1 S2)^½</c> (the form FID implementations write, with scipy's
/// <c>sqrtm</c> of a non-symmetric product), but is a root of a symmetric PSD matrix, so a symmetric eigen
/// decomposition computes it without complex parts to drop. The value is a squared distance; rounding can leave it a
/// hair below zero for identical statistics, and it is returned as computed.
/// </remarks>
public static class FrechetDistance
{
    /// <summary>The distance between the Gaussians of two feature sets' statistics.</summary>
    /// <exception cref="ArgumentException">The dimensions differ.</exception>
    public static double Between(FeatureStatistics first, FeatureStatistics second)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        return FromMoments(first.Mean, first.Covariance, second.Mean, second.Covariance);
    }

    /// <summary>The closed form for two Gaussians N(<paramref name="mean1"/>, <paramref name="covariance1"/>) and N(<paramref name="mean2"/>, <paramref name="covariance2"/>).</summary>
    /// <exception cref="ArgumentException">The sizes do not agree.</exception>
    public static double FromMoments(double[] mean1, double[,] covariance1, double[] mean2, double[,] covariance2)
    {
        ArgumentNullException.ThrowIfNull(mean1);
        ArgumentNullException.ThrowIfNull(covariance1);
        ArgumentNullException.ThrowIfNull(mean2);
        ArgumentNullException.ThrowIfNull(covariance2);
        int d = mean1.Length;
        if (mean2.Length != d || covariance1.GetLength(0) != d || covariance1.GetLength(1) != d || covariance2.GetLength(0) != d || covariance2.GetLength(1) != d)
        {
            throw new ArgumentException(
                $"Both Gaussians need the same dimension: means of {mean1.Length} and {mean2.Length} values, covariances {covariance1.GetLength(0)}x{covariance1.GetLength(1)} and {covariance2.GetLength(0)}x{covariance2.GetLength(1)}.");
        }

        double meanTerm = 0;
        for (int i = 0; i < d; i++)
        {
            double difference = mean1[i] - mean2[i];
            meanTerm += difference * difference;
        }

        var root1 = SymmetricMatrix.Sqrt(covariance1);
        var product = SymmetricMatrix.Multiply(SymmetricMatrix.Multiply(root1, covariance2), root1);
        double cross = SymmetricMatrix.TraceOfSqrt(product);
        return meanTerm + SymmetricMatrix.Trace(covariance1) + SymmetricMatrix.Trace(covariance2) - (2 * cross);
    }
}
