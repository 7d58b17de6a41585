using GenPipe.Tensors;

namespace GenPipe.Nn.Tests.Diffusers;

/// <summary>
/// How far tiled VAE results are from untiled ones, measured the same way here, in bench/GenPipe.Bench.VaeTiling (which
/// compiles this file) and in tools/fixtures/make_vae_tiling_refs.py: PSNR of decoded images against the [-1, 1] range
/// (peak 2), and of encoded means against the untiled means' own range; encoding is measured on <see cref="TestPicture"/>.
/// </summary>
internal static class VaeTilingMeasures
{
    /// <summary><c>10 log10(peak^2 / mean squared difference)</c>; infinity for identical inputs.</summary>
    public static double Psnr(ReadOnlySpan<float> reference, ReadOnlySpan<float> other, double peak)
    {
        if (reference.Length != other.Length)
        {
            throw new ArgumentException($"PSNR of {reference.Length} values against {other.Length}.", nameof(other));
        }

        double sum = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            double d = reference[i] - (double)other[i];
            sum += d * d;
        }

        return 10 * Math.Log10(peak * peak / (sum / reference.Length));
    }

    /// <summary>The largest value minus the smallest: the peak for PSNR of latents, which have no nominal range.</summary>
    public static double Range(ReadOnlySpan<float> values)
    {
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        foreach (float v in values)
        {
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }

        return max - (double)min;
    }

    /// <summary>
    /// A [1, 3, side, side] picture in [-1, 1] with smooth gradients and a disc with a hard edge, computed in double
    /// and rounded to float as the fixture script's numpy formula: with u, v the pixel centres in (-1, 1),
    /// <c>sin(3u) cos(2v)</c>, <c>0.8</c> inside the disc u² + v² &lt; 0.25 and <c>-0.5 u</c> outside, <c>tanh(4uv)</c>.
    /// </summary>
    public static Tensor TestPicture(int side)
    {
        float[] data = new float[3 * side * side];
        int plane = side * side;
        for (int y = 0; y < side; y++)
        {
            double v = ((y + 0.5) / side * 2) - 1;
            for (int x = 0; x < side; x++)
            {
                double u = ((x + 0.5) / side * 2) - 1;
                int at = (y * side) + x;
                data[at] = (float)(Math.Sin(3 * u) * Math.Cos(2 * v));
                data[plane + at] = (float)((u * u) + (v * v) < 0.25 ? 0.8 : -0.5 * u);
                data[(2 * plane) + at] = (float)Math.Tanh(4 * u * v);
            }
        }

        return new Tensor(data, 1, 3, side, side);
    }
}
