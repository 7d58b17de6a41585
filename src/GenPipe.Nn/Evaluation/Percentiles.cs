namespace GenPipe.Nn.Evaluation;

/// <summary>Order statistics as <c>numpy.percentile</c> computes them by default (linear interpolation between ranks).</summary>
public static class Percentiles
{
    /// <summary>
    /// The <paramref name="percent"/>-th percentile (0 to 100) of <paramref name="values"/>: sorted, the value at rank
    /// <c>percent / 100 x (n - 1)</c>, interpolated linearly between the two ranks around it.
    /// </summary>
    /// <exception cref="ArgumentException">No values, a value that is NaN, or a percent outside 0 to 100.</exception>
    public static double Of(ReadOnlySpan<double> values, double percent)
    {
        if (values.IsEmpty)
        {
            throw new ArgumentException("A percentile needs at least one value.", nameof(values));
        }

        if (!(percent >= 0 && percent <= 100))
        {
            throw new ArgumentOutOfRangeException(nameof(percent), percent, "A percentile is from 0 to 100.");
        }

        var sorted = values.ToArray();
        if (sorted.Any(double.IsNaN))
        {
            throw new ArgumentException("The values hold NaN; a percentile needs ordered values.", nameof(values));
        }

        Array.Sort(sorted);
        double rank = percent / 100 * (sorted.Length - 1);
        int below = (int)Math.Floor(rank);
        int above = Math.Min(below + 1, sorted.Length - 1);
        double fraction = rank - below;
        return sorted[below] + (fraction * (sorted[above] - sorted[below]));
    }

    /// <summary>The median: the 50th percentile (the mean of the two middle values for an even count).</summary>
    public static double Median(ReadOnlySpan<double> values) => Of(values, 50);
}
