namespace GenPipe.Diffusion;

/// <summary>
/// The noise schedule a diffusion model was trained with, computed the way diffusers and PyTorch compute it: float32
/// betas from <c>torch.linspace</c> (squared in float32 for <c>scaled_linear</c>), float32 alphas <c>1 - beta</c>, and
/// <c>torch.cumprod</c>, which on the CPU accumulates in double and rounds each output to float32. Matching that
/// rounding matters: schedulers built from these numbers must agree with the reference implementations to the last bit.
/// </summary>
public static class TrainingNoiseSchedule
{
    /// <summary>
    /// Floats per SIMD vector in PyTorch's CPU linspace kernel (AVX2: 256 bits). For 1000 timesteps AVX-512's 16 gives
    /// the same numbers.
    /// </summary>
    internal const int TorchVectorWidth = 8;

    /// <summary>The schedule names accepted by <see cref="AlphasCumprod"/> (diffusers' <c>beta_schedule</c> values).</summary>
    public static IReadOnlyList<string> ScheduleNames { get; } = ["linear", "scaled_linear"];

    /// <summary>
    /// <c>alphas_cumprod</c> for <paramref name="numTrainTimesteps"/> timesteps: <c>linear</c> uses
    /// betas = linspace(beta_start, beta_end, N); <c>scaled_linear</c> uses betas = linspace(sqrt(beta_start), sqrt(beta_end), N)^2.
    /// </summary>
    /// <exception cref="ArgumentException">Unknown schedule, fewer than two timesteps, or betas outside (0, 1).</exception>
    public static float[] AlphasCumprod(int numTrainTimesteps, double betaStart, double betaEnd, string betaSchedule)
    {
        ArgumentNullException.ThrowIfNull(betaSchedule);
        if (numTrainTimesteps < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(numTrainTimesteps), numTrainTimesteps, "A training schedule needs at least 2 timesteps.");
        }

        float[] betas = betaSchedule switch
        {
            "linear" => LinspaceFloat32(betaStart, betaEnd, numTrainTimesteps),
            "scaled_linear" => Square(LinspaceFloat32(Math.Sqrt(betaStart), Math.Sqrt(betaEnd), numTrainTimesteps)),
            _ => throw new ArgumentException(
                $"Unknown beta_schedule '{betaSchedule}'; use one of: {string.Join(", ", ScheduleNames)}.", nameof(betaSchedule)),
        };

        var alphasCumprod = new float[numTrainTimesteps];
        double product = 1;
        for (int i = 0; i < betas.Length; i++)
        {
            if (!(betas[i] > 0f && betas[i] < 1f))
            {
                throw new ArgumentException($"beta[{i}] = {betas[i]} is outside (0, 1); choose beta_start and beta_end in (0, 1).");
            }

            product *= 1f - betas[i];
            alphasCumprod[i] = (float)product;
        }

        return alphasCumprod;
    }

    /// <summary>
    /// <c>torch.linspace(start, end, steps, dtype=float32)</c> on the CPU, rounding included (PyTorch 1.13's kernel,
    /// verified bit for bit against diffusers' alphas_cumprod). The endpoints are rounded to float32; the step is
    /// computed in double from them. The kernel fills the output in SIMD vectors of <see cref="TorchVectorWidth"/>
    /// floats, two vectors per iteration: a vector starting at index i has first element
    /// <c>float(start + step * i)</c> (or <c>float(end - step * (steps - i - 1))</c> once i reaches the halfway point)
    /// and adds <c>lane * float(step)</c> in float32. The remaining elements come from the scalar formula, one by one.
    /// </summary>
    internal static float[] LinspaceFloat32(double start, double end, int steps)
    {
        float s = (float)start;
        float e = (float)end;
        double step = ((double)e - s) / (steps - 1);
        float stepSingle = (float)step;
        int halfway = steps / 2;
        var result = new float[steps];
        int vectorised = steps / (2 * TorchVectorWidth) * (2 * TorchVectorWidth);
        for (int i = 0; i < vectorised; i += TorchVectorWidth)
        {
            float first = Scalar(i);
            for (int lane = 0; lane < TorchVectorWidth; lane++)
            {
                result[i + lane] = first + (lane * stepSingle);
            }
        }

        for (int i = vectorised; i < steps; i++)
        {
            result[i] = Scalar(i);
        }

        return result;

        float Scalar(int i) => (float)(i < halfway ? s + (step * i) : e - (step * (steps - i - 1)));
    }

    private static float[] Square(float[] values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] *= values[i];
        }

        return values;
    }
}
