using GenPipe.Abstractions.Models;

namespace GenPipe.Schedulers;

/// <summary>
/// Elementwise pieces of the exponential-integrator solvers, float32 in the operation order of diffusers (scalar
/// coefficients are combined first, then applied to the tensors), so results agree to rounding.
/// </summary>
internal static class SolverMath
{
    /// <summary>The data prediction x_0 from a model output at k-diffusion sigma <paramref name="sigma"/>.</summary>
    public static float[] DataPrediction(PredictionType type, ReadOnlySpan<float> modelOutput, ReadOnlySpan<float> sample, float sigma)
    {
        var (alpha, sigmaT) = SolverSchedule.AlphaSigma(sigma);
        var x0 = new float[sample.Length];
        for (int i = 0; i < x0.Length; i++)
        {
            x0[i] = type switch
            {
                PredictionType.Epsilon => (sample[i] - (sigmaT * modelOutput[i])) / alpha,
                PredictionType.VPrediction => (alpha * sample[i]) - (sigmaT * modelOutput[i]),
                PredictionType.Sample => modelOutput[i],
                _ => throw new NotSupportedException($"prediction_type {type} is not supported by this scheduler."),
            };
        }

        return x0;
    }

    /// <summary>The noise prediction eps = (x - alpha_t * x_0) / sigma_t, from a data prediction.</summary>
    public static float[] NoisePrediction(ReadOnlySpan<float> x0, ReadOnlySpan<float> sample, float sigma)
    {
        var (alpha, sigmaT) = SolverSchedule.AlphaSigma(sigma);
        var eps = new float[sample.Length];
        for (int i = 0; i < eps.Length; i++)
        {
            eps[i] = (sample[i] - (alpha * x0[i])) / sigmaT;
        }

        return eps;
    }

    /// <summary>(1 / r) * (a - b), elementwise: a divided difference.</summary>
    public static float[] Difference(float[] a, float[] b, float r)
    {
        float scale = 1f / r;
        var d = new float[a.Length];
        for (int i = 0; i < d.Length; i++)
        {
            d[i] = scale * (a[i] - b[i]);
        }

        return d;
    }

    /// <summary>sum_k c_k * t_k, elementwise, accumulated left to right (null terms are skipped).</summary>
    public static float[] Sum(params (float Coefficient, float[]? Tensor)[] terms)
    {
        int length = terms.First(t => t.Tensor is not null).Tensor!.Length;
        var result = new float[length];
        bool first = true;
        foreach (var (c, tensor) in terms)
        {
            if (tensor is null)
            {
                continue;
            }

            for (int i = 0; i < length; i++)
            {
                result[i] = first ? c * tensor[i] : result[i] + (c * tensor[i]);
            }

            first = false;
        }

        return result;
    }
}
