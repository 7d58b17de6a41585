namespace GenPipe.Schedulers;

/// <summary>
/// The noise levels of the training schedule in the variance-exploding parameterisation of Karras et al. (2022),
/// sigma_t = sqrt((1 - a_t) / a_t), and the conversions between timesteps and sigmas that diffusers' k-diffusion
/// schedulers and exponential-integrator solvers (DPM-Solver, DEIS, UniPC, via <see cref="SolverSchedule"/>) share.
/// Float32 where numpy and torch keep float32, double where they compute in double.
/// </summary>
internal sealed class TrainingSigmas
{
    private const double KarrasRho = 7.0;

    private readonly float[] _sigmas;
    private readonly float[] _logSigmas;

    /// <summary>The sigmas of <paramref name="alphasCumprod"/>, ascending with the timestep.</summary>
    public TrainingSigmas(float[] alphasCumprod)
    {
        _sigmas = Array.ConvertAll(alphasCumprod, a => MathF.Sqrt((1f - a) / a));
        _logSigmas = Array.ConvertAll(_sigmas, MathF.Log);
    }

    /// <summary>The sigma of each training timestep.</summary>
    public ReadOnlySpan<float> Values => _sigmas;

    /// <summary>
    /// The inference timesteps as the k-diffusion schedulers hold them: float32, and for <c>trailing</c> spacing as
    /// many as numpy's arange makes (one more, ending at -1, for some step counts; the sigma there is clamped to the
    /// first training sigma, so the run simply ends with one more, tiny, step).
    /// </summary>
    public static double[] Timesteps(SchedulerOptions options, int steps) =>
        Array.ConvertAll(TimestepSpacing.Timesteps(options, steps, roundLinspace: false, numpyArangeLength: true), t => (double)(float)t);

    /// <summary>numpy.interp of the training sigmas at (fractional) timestep <paramref name="t"/>.</summary>
    public double At(double t)
    {
        if (t <= 0)
        {
            return _sigmas[0];
        }

        if (t >= _sigmas.Length - 1)
        {
            return _sigmas[^1];
        }

        // The sample points are 0, 1, 2, ...: the slope is the difference of neighbours, in double as numpy has it.
        int j = (int)Math.Floor(t);
        double slope = (double)_sigmas[j + 1] - _sigmas[j];
        return (slope * (t - j)) + _sigmas[j];
    }

    /// <summary>The training sigmas interpolated at each timestep.</summary>
    public double[] At(double[] timesteps) => Array.ConvertAll(timesteps, At);

    /// <summary>The fractional training timestep of a sigma: linear interpolation of ln sigma between training steps.</summary>
    public double ToTimestep(double sigma)
    {
        double logSigma = Math.Log(Math.Max(sigma, 1e-10));
        float[] logs = _logSigmas;
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

    /// <summary>
    /// The run's sigmas (float32, a final 0 appended) and timesteps as the k-diffusion schedulers compute them: the
    /// training sigmas at the spaced timesteps, Karras- or exponentially respaced when the options ask. KDPM2 rounds
    /// Karras timesteps to whole steps (<paramref name="roundKarrasTimesteps"/>); the others keep them fractional.
    /// </summary>
    public (float[] Sigmas, float[] Timesteps) Run(SigmaScheduleOptions options, int steps, bool roundKarrasTimesteps = false)
    {
        double[] timesteps = Timesteps(options, steps);
        double[] sigmas = At(timesteps);
        if (TryRespace(options, steps, null, null, ref sigmas, ref timesteps) && options.UseKarrasSigmas && roundKarrasTimesteps)
        {
            timesteps = Array.ConvertAll(timesteps, t => Math.Round(t, MidpointRounding.ToEven));
        }

        return ([.. sigmas.Select(s => (float)s), 0f], Array.ConvertAll(timesteps, t => (float)t));
    }

    /// <summary>
    /// Replaces <paramref name="sigmas"/> by the Karras or exponential schedule of <paramref name="steps"/> levels
    /// between its extremes (or the configured ones) when the options ask for it, with the matching fractional
    /// timesteps. Returns false, changing nothing, when the options keep the interpolated sigmas.
    /// </summary>
    public bool TryRespace(
        SigmaScheduleOptions options, int steps, double? sigmaMin, double? sigmaMax, ref double[] sigmas, ref double[] timesteps)
    {
        if (!options.UseKarrasSigmas && !options.UseExponentialSigmas)
        {
            return false;
        }

        double min = sigmaMin ?? sigmas[^1];
        double max = sigmaMax ?? sigmas[0];
        sigmas = options.UseKarrasSigmas ? Karras(min, max, steps) : Exponential(min, max, steps);
        timesteps = Array.ConvertAll(sigmas, ToTimestep);
        return true;
    }

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
}
