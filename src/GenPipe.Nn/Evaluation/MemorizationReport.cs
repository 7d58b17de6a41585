namespace GenPipe.Nn.Evaluation;

/// <summary>
/// Whether samples copy their training set: each sample's distance to its nearest training example, set against the
/// same distance for held-out examples (real data the model never saw, so its typical distance to the training set is
/// what "new" looks like). A ratio well below 1 or many near copies means the model reproduces training examples.
/// </summary>
/// <param name="MedianSampleDistance">The median nearest-training distance of the samples.</param>
/// <param name="MedianHeldOutDistance">The median nearest-training distance of the held-out examples.</param>
/// <param name="NearCopyThreshold">The held-out distances' <see cref="NearCopyPercentile"/>-th percentile: closer than this is a near copy.</param>
/// <param name="NearCopies">How many samples are strictly closer to a training example than <paramref name="NearCopyThreshold"/>.</param>
/// <param name="SampleCount">The number of samples.</param>
public sealed record MemorizationReport(double MedianSampleDistance, double MedianHeldOutDistance, double NearCopyThreshold, int NearCopies, int SampleCount)
{
    /// <summary>The percentile of held-out distances below which a sample counts as a near copy.</summary>
    public const double NearCopyPercentile = 1;

    /// <summary><see cref="MedianSampleDistance"/> / <see cref="MedianHeldOutDistance"/> (about 1 for a model that generalizes).</summary>
    public double Ratio => MedianSampleDistance / MedianHeldOutDistance;

    /// <summary>The share of samples that are near copies (held-out examples have about 1% by construction).</summary>
    public double NearCopyShare => (double)NearCopies / SampleCount;

    /// <summary>The report from the nearest-training distances of samples and of held-out examples.</summary>
    /// <exception cref="ArgumentException">Either set is empty or holds NaN.</exception>
    public static MemorizationReport Compute(ReadOnlySpan<double> sampleDistances, ReadOnlySpan<double> heldOutDistances)
    {
        if (sampleDistances.IsEmpty)
        {
            throw new ArgumentException("A memorization report needs at least one sample.", nameof(sampleDistances));
        }

        double threshold = Percentiles.Of(heldOutDistances, NearCopyPercentile);
        int nearCopies = 0;
        foreach (double distance in sampleDistances)
        {
            nearCopies += distance < threshold ? 1 : 0;
        }

        return new MemorizationReport(Percentiles.Median(sampleDistances), Percentiles.Median(heldOutDistances), threshold, nearCopies, sampleDistances.Length);
    }
}
