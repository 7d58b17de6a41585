namespace GenPipe.Nn.Evaluation;

/// <summary>
/// The mean and covariance of a set of feature vectors, in doubles: what the Fréchet distance compares. The
/// covariance divides by <c>n - 1</c>, as <c>numpy.cov</c> (and so every FID implementation) does.
/// </summary>
public sealed class FeatureStatistics
{
    /// <summary>Statistics from given moments (for closed-form cases).</summary>
    /// <exception cref="ArgumentException">The covariance is not <c>d x d</c> for a mean of <c>d</c> values.</exception>
    public FeatureStatistics(double[] mean, double[,] covariance, int count = 0)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(covariance);
        if (covariance.GetLength(0) != mean.Length || covariance.GetLength(1) != mean.Length)
        {
            throw new ArgumentException(
                $"A mean of {mean.Length} values needs a {mean.Length}x{mean.Length} covariance; got {covariance.GetLength(0)}x{covariance.GetLength(1)}.", nameof(covariance));
        }

        Mean = mean;
        Covariance = covariance;
        Count = count;
    }

    /// <summary>The mean vector.</summary>
    public double[] Mean { get; }

    /// <summary>The covariance matrix (symmetric).</summary>
    public double[,] Covariance { get; }

    /// <summary>How many vectors they were computed from (0 for given moments).</summary>
    public int Count { get; }

    /// <summary>The number of features.</summary>
    public int Dimension => Mean.Length;

    /// <summary>The statistics of <paramref name="count"/> vectors of <paramref name="dimension"/> features stored row after row.</summary>
    /// <exception cref="ArgumentException">Fewer than two vectors, or a length that is not <c>count x dimension</c>, or a value that is not finite.</exception>
    public static FeatureStatistics Of(ReadOnlySpan<float> rows, int count, int dimension)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        if (count < 2)
        {
            throw new ArgumentException($"A covariance needs at least two vectors; got {count}.", nameof(count));
        }

        if (rows.Length != (long)count * dimension)
        {
            throw new ArgumentException($"{count} vectors of {dimension} features are {(long)count * dimension} values; got {rows.Length}.", nameof(rows));
        }

        var mean = new double[dimension];
        for (int r = 0; r < count; r++)
        {
            var row = rows.Slice(r * dimension, dimension);
            for (int i = 0; i < dimension; i++)
            {
                if (!float.IsFinite(row[i]))
                {
                    throw new ArgumentException($"Vector {r} holds {row[i]} at feature {i}; statistics need finite values.", nameof(rows));
                }

                mean[i] += row[i];
            }
        }

        for (int i = 0; i < dimension; i++)
        {
            mean[i] /= count;
        }

        // Two passes (the mean first, then centred products): one-pass sums of squares lose digits to cancellation.
        var covariance = new double[dimension, dimension];
        var centred = new double[dimension];
        for (int r = 0; r < count; r++)
        {
            var row = rows.Slice(r * dimension, dimension);
            for (int i = 0; i < dimension; i++)
            {
                centred[i] = row[i] - mean[i];
            }

            for (int i = 0; i < dimension; i++)
            {
                double ci = centred[i];
                for (int j = i; j < dimension; j++)
                {
                    covariance[i, j] += ci * centred[j];
                }
            }
        }

        for (int i = 0; i < dimension; i++)
        {
            for (int j = i; j < dimension; j++)
            {
                double value = covariance[i, j] / (count - 1);
                covariance[i, j] = value;
                covariance[j, i] = value;
            }
        }

        return new FeatureStatistics(mean, covariance, count);
    }
}
