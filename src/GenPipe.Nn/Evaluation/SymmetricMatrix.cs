namespace GenPipe.Nn.Evaluation;

/// <summary>The few operations on symmetric positive semi-definite matrices that the Fréchet distance needs.</summary>
public static class SymmetricMatrix
{
    /// <summary>
    /// The symmetric square root <c>V diag(sqrt(λ)) Vᵀ</c> of a positive semi-definite matrix, by
    /// <see cref="SymmetricEigen"/>. Eigenvalues below zero are taken as zero: a covariance is PSD, and the tiny negative
    /// values rounding gives its null directions (fewer samples than features, constant features) have no root.
    /// </summary>
    /// <exception cref="ArgumentException">The matrix is not square or not finite.</exception>
    public static double[,] Sqrt(double[,] matrix)
    {
        var (values, vectors) = SymmetricEigen.Decompose(matrix);
        int n = values.Length;
        var roots = new double[n];
        for (int i = 0; i < n; i++)
        {
            roots[i] = Math.Sqrt(Math.Max(values[i], 0));
        }

        var result = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            for (int j = i; j < n; j++)
            {
                double sum = 0;
                for (int k = 0; k < n; k++)
                {
                    sum += vectors[i, k] * roots[k] * vectors[j, k];
                }

                result[i, j] = sum;
                result[j, i] = sum;
            }
        }

        return result;
    }

    /// <summary>The sum of the square roots of the eigenvalues (negative ones taken as zero): <c>Tr(sqrt(A))</c>.</summary>
    public static double TraceOfSqrt(double[,] matrix)
    {
        var (values, _) = SymmetricEigen.Decompose(matrix);
        double sum = 0;
        foreach (double value in values)
        {
            sum += Math.Sqrt(Math.Max(value, 0));
        }

        return sum;
    }

    /// <summary>The sum of the diagonal.</summary>
    public static double Trace(double[,] matrix)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        double sum = 0;
        for (int i = 0; i < Math.Min(matrix.GetLength(0), matrix.GetLength(1)); i++)
        {
            sum += matrix[i, i];
        }

        return sum;
    }

    /// <summary>The product <c>a · b</c> of two square matrices of one size.</summary>
    /// <exception cref="ArgumentException">The sizes differ or a matrix is not square.</exception>
    public static double[,] Multiply(double[,] a, double[,] b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        int n = a.GetLength(0);
        if (a.GetLength(1) != n || b.GetLength(0) != n || b.GetLength(1) != n)
        {
            throw new ArgumentException($"Both matrices must be square and of one size; got {n}x{a.GetLength(1)} and {b.GetLength(0)}x{b.GetLength(1)}.", nameof(b));
        }

        var result = new double[n, n];
        var row = new double[n];
        for (int i = 0; i < n; i++)
        {
            Array.Clear(row);
            for (int k = 0; k < n; k++)
            {
                double aik = a[i, k];
                for (int j = 0; j < n; j++)
                {
                    row[j] += aik * b[k, j];
                }
            }

            for (int j = 0; j < n; j++)
            {
                result[i, j] = row[j];
            }
        }

        return result;
    }
}
