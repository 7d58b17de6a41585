namespace GenPipe.Schedulers;

/// <summary>
/// The k-diffusion sigma helpers shared by the sigma-parameterised schedulers (Euler, DPM-Solver, DEIS, UniPC):
/// Karras and exponential schedules, and the inverse map from a sigma to its fractional training timestep, with
/// numpy's double arithmetic on float32 training sigmas, as diffusers computes them.
/// </summary>
internal static class SigmaSchedule
{
    private const double KarrasRho = 7.0;

    /// <summary>The training sigmas sqrt((1 - a) / a), one per training step, in float32 as torch computes them.</summary>
    public static float[] TrainingSigmas(float[] alphasCumprod) => Array.ConvertAll(alphasCumprod, a => MathF.Sqrt((1f - a) / a));

    /// <summary>Karras et al. (2022), eq. (5): sigma_i = (max^(1/rho) + i/(n-1) * (min^(1/rho) - max^(1/rho)))^rho.</summary>
    public static double[] Karras(double sigmaMin, double sigmaMax, int steps)
    {
        double minInvRho = Math.Pow(sigmaMin, 1 / KarrasRho);
        double maxInvRho = Math.Pow(sigmaMax, 1 / KarrasRho);
        double[] ramp = TimestepSpacing.NumpyLinspace(0, 1, steps);
        return Array.ConvertAll(ramp, r => Math.Pow(maxInvRho + (r * (minInvRho - maxInvRho)), KarrasRho));
    }

    /// <summary>Sigmas evenly spaced in log space from sigma_max down to sigma_min.</summary>
    public static double[] Exponential(double sigmaMin, double sigmaMax, int steps) =>
        Array.ConvertAll(TimestepSpacing.NumpyLinspace(Math.Log(sigmaMax), Math.Log(sigmaMin), steps), Math.Exp);

    /// <summary>
    /// The fractional training timestep of a sigma: linear interpolation of ln sigma between the training steps whose
    /// (float32) logarithms <paramref name="logTrainingSigmas"/> bracket it.
    /// </summary>
    public static double ToTimestep(double sigma, float[] logTrainingSigmas)
    {
        double logSigma = Math.Log(Math.Max(sigma, 1e-10));
        float[] logs = logTrainingSigmas;
        // The last training step whose ln sigma does not exceed ours, kept one short of the end.
        int low = 0;
        for (int i = 0; i < logs.Length && logs[i] <= logSigma; i++)
        {
            low = i;
        }

        low = Math.Min(low, logs.Length - 2);
        double lowLog = logs[low];
        double highLog = logs[low + 1];
        double w = Math.Clamp((lowLog - logSigma) / (lowLog - highLog), 0, 1);
        return ((1 - w) * low) + (w * (low + 1));
    }

    /// <summary>numpy.interp of <paramref name="values"/> (one per training step) at fractional step <paramref name="t"/>.</summary>
    public static double Interpolate(double t, float[] values)
    {
        if (t <= 0)
        {
            return values[0];
        }

        if (t >= values.Length - 1)
        {
            return values[^1];
        }

        // The sample points are 0, 1, 2, ...: the slope is the difference of neighbours, in double as numpy has it.
        int j = (int)Math.Floor(t);
        double slope = (double)values[j + 1] - values[j];
        return (slope * (t - j)) + values[j];
    }
}
