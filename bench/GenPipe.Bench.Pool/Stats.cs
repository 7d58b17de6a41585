namespace GenPipe.Bench.Pool;

/// <summary>
/// Medians and quartiles: this 2-vCPU VM loses time to its neighbours in bursts, and the median of several repetitions
/// is what a burst moves least (the mean follows every outlier; the best hides how often the work is slowed).
/// </summary>
internal static class Stats
{
    public static double Median(IEnumerable<double> values) => Quantile(values, 0.5);

    /// <summary>The <paramref name="q"/>-quantile, interpolating between the two nearest values.</summary>
    public static double Quantile(IEnumerable<double> values, double q)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            throw new ArgumentException("No values.", nameof(values));
        }

        double position = q * (sorted.Length - 1);
        int below = (int)Math.Floor(position);
        int above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + ((position - below) * (sorted[above] - sorted[below]));
    }
}
