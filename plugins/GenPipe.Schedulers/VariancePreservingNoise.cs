using GenPipe.Tensors;

namespace GenPipe.Schedulers;

/// <summary>
/// The forward process of DDPM (Ho et al., 2020, eq. 4): x_t = sqrt(a_t) * x_0 + sqrt(1 - a_t) * eps, a = alphas_cumprod.
/// </summary>
internal static class VariancePreservingNoise
{
    /// <summary>diffusers' <c>add_noise</c> at a whole training timestep.</summary>
    public static Tensor Add(float[] alphasCumprod, Tensor original, Tensor noise, float timestep)
    {
        PredictedSample.RequireSameShape(noise, original);
        int t = (int)timestep;
        if (t != timestep || t < 0 || t >= alphasCumprod.Length)
        {
            throw new ArgumentOutOfRangeException(
                nameof(timestep), timestep, $"add_noise needs a whole training timestep in 0..{alphasCumprod.Length - 1}.");
        }

        float signal = MathF.Sqrt(alphasCumprod[t]);
        float noiseScale = MathF.Sqrt(1f - alphasCumprod[t]);
        ReadOnlySpan<float> x = original.Span;
        ReadOnlySpan<float> eps = noise.Span;
        var result = new float[x.Length];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = (signal * x[i]) + (noiseScale * eps[i]);
        }

        return new Tensor(result, original.GetShape());
    }
}
