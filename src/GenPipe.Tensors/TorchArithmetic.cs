namespace GenPipe.Tensors;

/// <summary>
/// Float32 arithmetic in the order PyTorch's CPU kernels do it, for the few places where GenPipe must match PyTorch
/// bit for bit rather than to round-off: a model's training noise schedule (<c>alphas_cumprod</c>), which the
/// scheduler and the denoiser must both see exactly as diffusers computed it.
/// </summary>
public static class TorchArithmetic
{
    private const int Lanes = 8;

    /// <summary>
    /// <c>torch.linspace(start, end, steps, dtype=torch.float32)</c> as PyTorch's vectorised CPU kernel computes it:
    /// the step is float32; the first half counts up from the start and the second half down from the end (so both
    /// ends are exact); each 8-lane vector starts at base = start + step * idx, a fused multiply-add in the AVX2 build,
    /// and its lanes are base + lane * step, not fused; the tail that fills no pair of vectors is computed one element
    /// at a time without fusing. Checked bit for bit against PyTorch 1.13 on linear and scaled_linear schedules.
    /// </summary>
    public static float[] Linspace(float start, float end, int steps)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);
        var values = new float[steps];
        if (steps == 1)
        {
            values[0] = start;
            return values;
        }

        float step = (end - start) / (steps - 1);
        int halfway = steps / 2;
        int vectorised = steps / (2 * Lanes) * (2 * Lanes);
        for (int idx = 0; idx < vectorised; idx += Lanes)
        {
            float baseValue = idx < halfway
                ? MathF.FusedMultiplyAdd(step, idx, start)
                : MathF.FusedMultiplyAdd(-step, steps - idx - 1, end);
            for (int lane = 0; lane < Lanes; lane++)
            {
                // Not fused (.NET never contracts a * b + c on its own): torch's lanes are base + float(lane * step).
                values[idx + lane] = baseValue + (lane * step);
            }
        }

        for (int i = vectorised; i < steps; i++)
        {
            values[i] = i < halfway ? start + (step * i) : end - (step * (steps - i - 1));
        }

        return values;
    }

    /// <summary><c>torch.cumprod</c> on the CPU: the running product is kept in double and rounded to float per element.</summary>
    public static float[] CumulativeProduct(ReadOnlySpan<float> values)
    {
        var result = new float[values.Length];
        double product = 1;
        for (int i = 0; i < values.Length; i++)
        {
            product *= values[i];
            result[i] = (float)product;
        }

        return result;
    }
}
