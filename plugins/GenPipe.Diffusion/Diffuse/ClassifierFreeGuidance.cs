using GenPipe.Abstractions.Models;
using GenPipe.Tensors;

namespace GenPipe.Diffusion.Diffuse;

/// <summary>
/// Classifier-free guidance as diffusers does it: one denoiser call over the batch [negative; positive],
/// <c>pred = uncond + g * (cond - uncond)</c>, then, with <c>guidance_rescale</c> φ &gt; 0, the rescale of "Common
/// Diffusion Noise Schedules and Sample Steps are Flawed" (Lin et al., 2023, section 3.4):
/// <c>pred = φ * pred * std(cond) / std(pred) + (1 - φ) * pred</c>, standard deviations per sample over all its
/// elements, unbiased as torch.std computes them. One instance serves one run: the batched [negative; positive]
/// conditioning is stacked once, not at every step.
/// </summary>
internal sealed class ClassifierFreeGuidance(Conditioning? conditioning, Conditioning? negative, int rows, double rescale)
{
    private readonly Conditioning? _stacked = conditioning is not null && negative is not null ? Batches.Stack(negative, conditioning, rows) : null;

    /// <summary>The prediction for the samples in <paramref name="modelInput"/>, guided with <paramref name="guidance"/>.</summary>
    public async ValueTask<Tensor> PredictAsync(IDenoiser denoiser, Tensor modelInput, float t, double guidance, CancellationToken cancellationToken)
    {
        if (conditioning is null || guidance == 1.0)
        {
            // Nothing to guide towards (an unconditional model), or guidance off: one plain call.
            return await denoiser.PredictAsync(new DenoiserInput(modelInput, t, conditioning), cancellationToken).ConfigureAwait(false);
        }

        Tensor unconditional;
        Tensor conditional;
        if (_stacked is not null)
        {
            var both = await denoiser.PredictAsync(
                new DenoiserInput(Batches.Concat(modelInput, modelInput), t, _stacked), cancellationToken).ConfigureAwait(false);
            if (both.Dim(0) != 2 * rows)
            {
                throw new InvalidOperationException($"The denoiser returned {both.Dim(0)} rows for a batch of {2 * rows} (negative and positive).");
            }

            unconditional = Batches.Rows(both, 0, rows);
            conditional = Batches.Rows(both, rows, rows);
        }
        else
        {
            // No negative conditioning: the unconditional prediction is the model's without any (null), which cannot
            // share a batch with a conditioned one, so it takes a call of its own.
            conditional = await denoiser.PredictAsync(new DenoiserInput(modelInput, t, conditioning), cancellationToken).ConfigureAwait(false);
            unconditional = await denoiser.PredictAsync(new DenoiserInput(modelInput, t, null), cancellationToken).ConfigureAwait(false);
        }

        if (!conditional.SameShape(unconditional))
        {
            throw new InvalidOperationException(
                $"The conditional prediction has shape {Tensor.FormatShape(conditional.Shape)} but the unconditional one {Tensor.FormatShape(unconditional.Shape)}.");
        }

        var guided = Combine(unconditional, conditional, (float)guidance);
        return rescale > 0 ? Rescale(guided, conditional, rescale) : guided;
    }

    /// <summary><c>uncond + g * (cond - uncond)</c> in float32, as torch computes it.</summary>
    public static Tensor Combine(Tensor unconditional, Tensor conditional, float guidance)
    {
        var guided = unconditional.Clone();
        var g = guided.Span;
        var c = conditional.Contiguous().Span;
        for (int i = 0; i < g.Length; i++)
        {
            g[i] += guidance * (c[i] - g[i]);
        }

        return guided;
    }

    /// <summary>
    /// The guidance rescale, per sample (row), in torch's float32 steps: the standard deviations reduced in double (as
    /// torch's CPU Welford does) and rounded to float, then each product and the sum rounded to float.
    /// </summary>
    public static Tensor Rescale(Tensor guided, Tensor conditional, double phi)
    {
        var result = guided.Clone();
        int rows = guided.Dim(0);
        int size = guided.Length / rows;
        var r = result.Span;
        var c = conditional.Contiguous().Span;
        float keep = (float)phi;
        float blend = (float)(1 - phi);
        for (int row = 0; row < rows; row++)
        {
            var g = r.Slice(row * size, size);
            float ratio = (float)StandardDeviation(c.Slice(row * size, size)) / (float)StandardDeviation(g);
            for (int i = 0; i < size; i++)
            {
                float rescaled = g[i] * ratio;
                float kept = keep * rescaled;
                float blended = blend * g[i];
                g[i] = kept + blended;
            }
        }

        return result;
    }

    private static double StandardDeviation(ReadOnlySpan<float> values)
    {
        double mean = 0;
        foreach (float v in values)
        {
            mean += v;
        }

        mean /= values.Length;
        double sum = 0;
        foreach (float v in values)
        {
            sum += (v - mean) * (v - mean);
        }

        return Math.Sqrt(sum / Math.Max(1, values.Length - 1));
    }
}
