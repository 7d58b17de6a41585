namespace GenPipe.Nn.Evaluation;

/// <summary>
/// Eigen decomposition of a real symmetric matrix by cyclic Jacobi rotations: <c>A = V diag(values) Vᵀ</c> with
/// orthonormal columns in V. Jacobi is slow for large matrices (O(n³) per sweep) but accurate to the last bits on the
/// small covariances evaluation needs (128 features), and it is a few dozen lines with no dependency.
/// </summary>
public static class SymmetricEigen
{
    /// <summary>At most this many sweeps; Jacobi converges quadratically, so well under 20 are needed in practice.</summary>
    public const int MaximumSweeps = 100;

    /// <summary>
    /// The eigenvalues (unordered, each on the diagonal position of its column) and eigenvectors (the columns of
    /// <c>Vectors</c>) of <paramref name="matrix"/>, which is read as symmetric: only its upper triangle matters.
    /// </summary>
    /// <exception cref="ArgumentException">The matrix is not square, or holds a value that is not finite.</exception>
    public static (double[] Values, double[,] Vectors) Decompose(double[,] matrix)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        int n = matrix.GetLength(0);
        if (matrix.GetLength(1) != n)
        {
            throw new ArgumentException($"A symmetric matrix is square; got {n}x{matrix.GetLength(1)}.", nameof(matrix));
        }

        var a = new double[n, n];
        var v = new double[n, n];
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            v[i, i] = 1;
            for (int j = 0; j < n; j++)
            {
                // The upper triangle mirrored: a matrix that is symmetric only up to rounding is made exactly so.
                double x = i <= j ? matrix[i, j] : matrix[j, i];
                if (!double.IsFinite(x))
                {
                    throw new ArgumentException($"The matrix holds {x} at [{i}, {j}]; eigenvalues need finite values.", nameof(matrix));
                }

                a[i, j] = x;
                total += x * x;
            }
        }

        for (int sweep = 0; sweep < MaximumSweeps; sweep++)
        {
            double off = 0;
            for (int p = 0; p < n; p++)
            {
                for (int q = p + 1; q < n; q++)
                {
                    off += a[p, q] * a[p, q];
                }
            }

            // The Frobenius norm is invariant under rotations: stop once what is off the diagonal is rounding noise.
            if (off <= total * 1e-30)
            {
                break;
            }

            for (int p = 0; p < n; p++)
            {
                for (int q = p + 1; q < n; q++)
                {
                    Rotate(a, v, p, q, sweep);
                }
            }
        }

        var values = new double[n];
        for (int i = 0; i < n; i++)
        {
            values[i] = a[i, i];
        }

        return (values, v);
    }

    // One rotation in the (p, q) plane that zeroes a[p, q] (Numerical Recipes' jacobi, without its tau shortcut).
    private static void Rotate(double[,] a, double[,] v, int p, int q, int sweep)
    {
        int n = a.GetLength(0);
        double apq = a[p, q];
        if (apq == 0)
        {
            return;
        }

        double app = a[p, p], aqq = a[q, q];
        double g = 100 * Math.Abs(apq);
        if (sweep > 3 && Math.Abs(app) + g == Math.Abs(app) && Math.Abs(aqq) + g == Math.Abs(aqq))
        {
            // Below the diagonal's last bit: rotating would change nothing but the rounding.
            a[p, q] = 0;
            a[q, p] = 0;
            return;
        }

        double theta = (aqq - app) / (2 * apq);
        double t = double.IsInfinity(theta * theta)
            ? 0.5 / theta
            : Math.Sign(theta == 0 ? 1 : theta) / (Math.Abs(theta) + Math.Sqrt((theta * theta) + 1));
        double c = 1 / Math.Sqrt((t * t) + 1);
        double s = t * c;

        for (int k = 0; k < n; k++)
        {
            double akp = a[k, p], akq = a[k, q];
            a[k, p] = (c * akp) - (s * akq);
            a[k, q] = (s * akp) + (c * akq);
        }

        for (int k = 0; k < n; k++)
        {
            double apk = a[p, k], aqk = a[q, k];
            a[p, k] = (c * apk) - (s * aqk);
            a[q, k] = (s * apk) + (c * aqk);
        }

        a[p, q] = 0;
        a[q, p] = 0;
        for (int k = 0; k < n; k++)
        {
            double vkp = v[k, p], vkq = v[k, q];
            v[k, p] = (c * vkp) - (s * vkq);
            v[k, q] = (s * vkp) + (c * vkq);
        }
    }
}
