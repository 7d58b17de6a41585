using GenPipe.Tensors;

namespace GenPipe.Diffusion;

/// <summary>
/// The noise schedule a diffusion model was trained with, computed the way diffusers and PyTorch compute it: float32
/// betas from <c>torch.linspace</c> (squared in float32 for <c>scaled_linear</c>), float32 alphas <c>1 - beta</c>, and
/// <c>torch.cumprod</c>, which on the CPU accumulates in double and rounds each output to float32. Matching that
/// rounding matters: schedulers built from these numbers must agree with the reference implementations to the last bit.
/// The arithmetic is <see cref="TorchArithmetic"/>, the same the schedulers use, so denoiser and scheduler agree exactly.
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
            "linear" => TorchArithmetic.Linspace((float)betaStart, (float)betaEnd, numTrainTimesteps),
            "scaled_linear" => Square(TorchArithmetic.Linspace((float)Math.Sqrt(betaStart), (float)Math.Sqrt(betaEnd), numTrainTimesteps)),
            _ => throw new ArgumentException(
                $"Unknown beta_schedule '{betaSchedule}'; use one of: {string.Join(", ", ScheduleNames)}.", nameof(betaSchedule)),
        };

        for (int i = 0; i < betas.Length; i++)
        {
            if (!(betas[i] > 0f && betas[i] < 1f))
            {
                throw new ArgumentException($"beta[{i}] = {betas[i]} is outside (0, 1); choose beta_start and beta_end in (0, 1).");
            }
        }

        return TorchArithmetic.CumulativeProduct(Array.ConvertAll(betas, b => 1f - b));
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
