using GenPipe.Tensors;
using Shouldly;

namespace GenPipe.Diffusion.Tests;

/// <summary>Checks that samples have a given mean and covariance within a stated number of standard errors.</summary>
internal static class SampleStatistics
{
    /// <summary>The sample mean and (1/N) covariance of [N, D] samples, in double.</summary>
    public static (double[] Mean, double[,] Covariance) Moments(Tensor samples)
    {
        int n = samples.Dim(0);
        int dims = samples.Dim(1);
        var s = samples.Span;
        var mean = new double[dims];
        for (int i = 0; i < n; i++)
        {
            for (int d = 0; d < dims; d++)
            {
                mean[d] += s[(i * dims) + d];
            }
        }

        for (int d = 0; d < dims; d++)
        {
            mean[d] /= n;
        }

        var cov = new double[dims, dims];
        for (int i = 0; i < n; i++)
        {
            for (int a = 0; a < dims; a++)
            {
                for (int b = 0; b < dims; b++)
                {
                    cov[a, b] += (s[(i * dims) + a] - mean[a]) * (s[(i * dims) + b] - mean[b]) / n;
                }
            }
        }

        return (mean, cov);
    }

    /// <summary>
    /// Asserts |sample mean - mean| &lt;= k SE + allowance and |sample cov - cov| &lt;= k SE + allowance, element by element
    /// (<paramref name="bias"/> is the allowance for a known systematic error, beyond sampling noise).
    /// SE of a mean is sqrt(var / N); SE of a covariance element is sqrt(Var[(x_a - m_a)(x_b - m_b)] / N), estimated
    /// from the samples' own fourth moments (mixtures are not Gaussian, so 2 sigma^4 / N would be wrong).
    /// </summary>
    public static void AssertMomentsMatch(Tensor samples, double[] mean, double[,] covariance, double bias, double standardErrors)
    {
        int n = samples.Dim(0);
        int dims = samples.Dim(1);
        var (sampleMean, sampleCov) = Moments(samples);
        var s = samples.Span;
        for (int a = 0; a < dims; a++)
        {
            double se = Math.Sqrt(covariance[a, a] / n);
            Math.Abs(sampleMean[a] - mean[a]).ShouldBeLessThanOrEqualTo(
                (standardErrors * se) + bias, $"mean[{a}]: sample {sampleMean[a]:F5}, exact {mean[a]:F5}, SE {se:F5}");
        }

        for (int a = 0; a < dims; a++)
        {
            for (int b = 0; b < dims; b++)
            {
                double sumSq = 0;
                for (int i = 0; i < n; i++)
                {
                    double product = (s[(i * dims) + a] - sampleMean[a]) * (s[(i * dims) + b] - sampleMean[b]);
                    sumSq += (product - sampleCov[a, b]) * (product - sampleCov[a, b]);
                }

                double se = Math.Sqrt(sumSq / n / n);
                Math.Abs(sampleCov[a, b] - covariance[a, b]).ShouldBeLessThanOrEqualTo(
                    (standardErrors * se) + bias, $"cov[{a},{b}]: sample {sampleCov[a, b]:F5}, exact {covariance[a, b]:F5}, SE {se:F5}");
            }
        }
    }
}
