using GenPipe.Abstractions.Models;
using GenPipe.Tensors;

namespace GenPipe.Schedulers;

/// <summary>
/// Turns a model output into the clean-sample and noise estimates of the variance-preserving process
/// x_t = sqrt(a_t) * x_0 + sqrt(1 - a_t) * eps, for each <see cref="PredictionType"/>. Float32 throughout, in the
/// operation order PyTorch uses, so results agree with diffusers to rounding.
/// </summary>
internal static class PredictedSample
{
    /// <summary>The predicted x_0 and eps from <paramref name="modelOutput"/> at cumulative alpha <paramref name="alphaProd"/>.</summary>
    public static (float[] Original, float[] Epsilon) Split(
        PredictionType type, ReadOnlySpan<float> modelOutput, ReadOnlySpan<float> sample, float alphaProd)
    {
        float betaProd = 1f - alphaProd;
        float sqrtAlpha = MathF.Sqrt(alphaProd);
        float sqrtBeta = MathF.Sqrt(betaProd);
        var original = new float[sample.Length];
        var epsilon = new float[sample.Length];
        for (int i = 0; i < sample.Length; i++)
        {
            float m = modelOutput[i];
            float x = sample[i];
            switch (type)
            {
                case PredictionType.Epsilon:
                    original[i] = (x - (sqrtBeta * m)) / sqrtAlpha;
                    epsilon[i] = m;
                    break;
                case PredictionType.Sample:
                    original[i] = m;
                    epsilon[i] = (x - (sqrtAlpha * m)) / sqrtBeta;
                    break;
                case PredictionType.VPrediction:
                    // v = sqrt(a) * eps - sqrt(1 - a) * x_0 (Salimans and Ho, 2022).
                    original[i] = (sqrtAlpha * x) - (sqrtBeta * m);
                    epsilon[i] = (sqrtAlpha * m) + (sqrtBeta * x);
                    break;
                default:
                    throw new NotSupportedException($"prediction_type {type} is not supported by this scheduler.");
            }
        }

        return (original, epsilon);
    }

    /// <summary>Recomputes eps from a clipped or thresholded x_0 (diffusers' <c>use_clipped_model_output</c>).</summary>
    public static void EpsilonFromOriginal(ReadOnlySpan<float> original, ReadOnlySpan<float> sample, float alphaProd, Span<float> epsilon)
    {
        float sqrtAlpha = MathF.Sqrt(alphaProd);
        float sqrtBeta = MathF.Sqrt(1f - alphaProd);
        for (int i = 0; i < sample.Length; i++)
        {
            epsilon[i] = (sample[i] - (sqrtAlpha * original[i])) / sqrtBeta;
        }
    }

    /// <summary>
    /// Clamps x_0 to [-range, range] (<c>clip_sample</c>) or applies dynamic thresholding (Saharia et al., 2022,
    /// "Imagen", section 2.3): per batch item, s = clamp(quantile(|x_0|, ratio), 1, max), x_0 = clamp(x_0, -s, s) / s.
    /// </summary>
    public static void Clip(
        Span<float> original, ReadOnlySpan<int> shape, bool thresholding, double ratio, double maxValue, bool clip, double range)
    {
        if (thresholding)
        {
            int batch = shape.Length > 0 ? shape[0] : 1;
            int per = original.Length / Math.Max(batch, 1);
            for (int b = 0; b < batch; b++)
            {
                Span<float> item = original.Slice(b * per, per);
                float s = Math.Clamp(Quantile(item, ratio), 1f, (float)maxValue);
                for (int i = 0; i < item.Length; i++)
                {
                    item[i] = Math.Clamp(item[i], -s, s) / s;
                }
            }
        }
        else if (clip)
        {
            float r = (float)range;
            for (int i = 0; i < original.Length; i++)
            {
                original[i] = Math.Clamp(original[i], -r, r);
            }
        }
    }

    /// <summary>torch.quantile of |values| with linear interpolation between order statistics.</summary>
    private static float Quantile(ReadOnlySpan<float> values, double q)
    {
        float[] sorted = new float[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            sorted[i] = MathF.Abs(values[i]);
        }

        Array.Sort(sorted);
        double position = q * (sorted.Length - 1);
        int below = (int)Math.Floor(position);
        int above = Math.Min(below + 1, sorted.Length - 1);
        float weight = (float)(position - below);
        return sorted[below] + (weight * (sorted[above] - sorted[below]));
    }

    /// <summary>Checks that the step's tensors agree in shape.</summary>
    public static void RequireSameShape(Tensor modelOutput, Tensor sample)
    {
        ArgumentNullException.ThrowIfNull(modelOutput);
        ArgumentNullException.ThrowIfNull(sample);
        if (!modelOutput.SameShape(sample))
        {
            throw new ArgumentException(
                $"The model output has shape {Tensor.FormatShape(modelOutput.Shape)} but the sample has {Tensor.FormatShape(sample.Shape)}.",
                nameof(modelOutput));
        }
    }
}
