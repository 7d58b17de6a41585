namespace GenPipe.Nn.Tests.Evaluation;

/// <summary>Seeded draws from N(mean, covariance) (Box-Muller, then a Cholesky factor), and rotated covariances.</summary>
internal static class GaussianSamples
{
    /// <summary><paramref name="count"/> rows of <c>mean + L z</c> with <c>L Lᵀ = covariance</c>, as floats row after row.</summary>
    public static float[] Draw(double[] mean, double[,] covariance, int count, int seed)
    {
        int d = mean.Length;
        var factor = Cholesky(covariance);
        var random = new Random(seed);
        var rows = new float[count * d];
        var z = new double[d];
        for (int n = 0; n < count; n++)
        {
            for (int i = 0; i < d; i++)
            {
                // Box-Muller; 1 - NextDouble() is in (0, 1], so the logarithm is finite.
                z[i] = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            }

            for (int i = 0; i < d; i++)
            {
                double value = mean[i];
                for (int k = 0; k <= i; k++)
                {
                    value += factor[i, k] * z[k];
                }

                rows[(n * d) + i] = (float)value;
            }
        }

        return rows;
    }

    /// <summary><c>Q diag(values) Qᵀ</c> for the rotation Q by <paramref name="angle"/> in each coordinate plane (i, i+1) in turn.</summary>
    public static double[,] Rotated(double[] values, double angle)
    {
        int d = values.Length;
        var q = new double[d, d];
        for (int i = 0; i < d; i++)
        {
            q[i, i] = 1;
        }

        for (int plane = 0; plane + 1 < d; plane++)
        {
            double c = Math.Cos(angle * (plane + 1)), s = Math.Sin(angle * (plane + 1));
            for (int row = 0; row < d; row++)
            {
                double a = q[row, plane], b = q[row, plane + 1];
                q[row, plane] = (c * a) - (s * b);
                q[row, plane + 1] = (s * a) + (c * b);
            }
        }

        var result = new double[d, d];
        for (int i = 0; i < d; i++)
        {
            for (int j = 0; j < d; j++)
            {
                for (int k = 0; k < d; k++)
                {
                    result[i, j] += q[i, k] * values[k] * q[j, k];
                }
            }
        }

        return result;
    }

    private static double[,] Cholesky(double[,] a)
    {
        int d = a.GetLength(0);
        var l = new double[d, d];
        for (int i = 0; i < d; i++)
        {
            for (int j = 0; j <= i; j++)
            {
                double sum = a[i, j];
                for (int k = 0; k < j; k++)
                {
                    sum -= l[i, k] * l[j, k];
                }

                l[i, j] = i == j ? Math.Sqrt(sum) : sum / l[j, j];
            }
        }

        return l;
    }
}
