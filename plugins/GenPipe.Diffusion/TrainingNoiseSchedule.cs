namespace GenPipe.Diffusion;

/// <summary>
/// The noise schedule a diffusion model was trained with, computed the way diffusers and PyTorch compute it: in float32,
/// betas from <c>torch.linspace</c> (squared for <c>scaled_linear</c>), then a running float32 product of
/// <c>1 - beta</c>. Matching the float32 rounding matters: schedulers built from these numbers must agree with the
/// reference implementations to the last bits.
/// </summary>
public static class TrainingNoiseSchedule
{
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
        float product = 1f;
        for (int i = 0; i < betas.Length; i++)
        {
            if (!(betas[i] > 0f && betas[i] < 1f))
            {
                throw new ArgumentException($"beta[{i}] = {betas[i]} is outside (0, 1); choose beta_start and beta_end in (0, 1).");
            }

            product *= 1f - betas[i];
            alphasCumprod[i] = product;
        }

        return alphasCumprod;
    }

    /// <summary>
    /// <c>torch.linspace(start, end, steps, dtype=float32)</c>: the endpoints are rounded to float32 first, the step is
    /// computed in float32, and the second half counts back from the end so both endpoints are exact.
    /// </summary>
    internal static float[] LinspaceFloat32(double start, double end, int steps)
    {
        float s = (float)start;
        float e = (float)end;
        float step = (e - s) / (steps - 1);
        int halfway = steps / 2;
        var result = new float[steps];
        for (int i = 0; i < steps; i++)
        {
            result[i] = i < halfway ? s + (step * i) : e - (step * (steps - i - 1));
        }

        return result;
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
