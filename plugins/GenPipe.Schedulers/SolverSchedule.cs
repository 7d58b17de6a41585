namespace GenPipe.Schedulers;

/// <summary>What follows the last inference sigma in the solvers' sigma list.</summary>
internal enum FinalSigma
{
    /// <summary>0: the last step lands on the clean sample.</summary>
    Zero,

    /// <summary>The training sigma at timestep 0.</summary>
    TrainingMin,

    /// <summary>The last inference sigma again (a Karras or exponential schedule's own minimum).</summary>
    RepeatLast,
}

/// <summary>
/// The timesteps and sigmas of one run of the exponential-integrator solvers (DPM-Solver, DEIS, UniPC), as their
/// diffusers <c>set_timesteps</c> computes them, and the variance-preserving coefficients of a sigma:
/// alpha_t = 1 / sqrt(sigma^2 + 1), sigma_t = sigma * alpha_t, lambda_t = ln alpha_t - ln sigma_t (Lu et al., 2022).
/// </summary>
internal sealed class SolverSchedule
{
    private SolverSchedule(float[] timesteps, float[] sigmas)
    {
        Timesteps = timesteps;
        Sigmas = sigmas;
    }

    /// <summary>The whole training timesteps, one per step.</summary>
    public float[] Timesteps { get; }

    /// <summary>The sigmas, one per step plus the final one.</summary>
    public float[] Sigmas { get; }

    /// <summary>
    /// The spaced timesteps of the multistep solvers: <c>linspace</c> and <c>leading</c> divide the range into
    /// n + 1 points and drop the last (t = 0); <c>trailing</c> counts down from the end.
    /// </summary>
    public static double[] SpacedTimesteps(SchedulerOptions options, int steps, int lastTimestep)
    {
        RequireSteps(options, steps);
        var timesteps = new double[steps];
        switch (options.TimestepSpacing)
        {
            case "linspace":
                return Linspace(lastTimestep, steps);
            case "leading":
                int ratio = lastTimestep / (steps + 1);
                for (int i = 0; i < steps; i++)
                {
                    timesteps[i] = ((double)(steps - i) * ratio) + options.StepsOffset;
                }

                return timesteps;
            case "trailing":
                // numpy's arange(last, 0, -ratio), shifted by -1: for some counts (61, 103, ...) it yields one value
                // more, a final -1. diffusers keeps that extra step (its sigma interpolates to the first training
                // sigma), so the run is finite, and GenPipe reproduces it.
                double step = (double)options.NumTrainTimesteps / steps;
                double[] points = TimestepSpacing.CountDown(lastTimestep, step, TimestepSpacing.ArangeLength(lastTimestep, step));
                return Array.ConvertAll(points, p => Math.Round(p, MidpointRounding.ToEven) - 1);
            default:
                throw new ArgumentException(
                    $"Unknown timestep_spacing '{options.TimestepSpacing}'; use one of: {string.Join(", ", SchedulerOptions.TimestepSpacings)}.",
                    nameof(options));
        }
    }

    /// <summary>round(linspace(0, last - 1, n + 1)) descending, without the final 0.</summary>
    public static double[] Linspace(int lastTimestep, int steps)
    {
        double[] points = TimestepSpacing.NumpyLinspace(0, lastTimestep - 1, steps + 1);
        var timesteps = new double[steps];
        for (int i = 0; i < steps; i++)
        {
            timesteps[i] = Math.Round(points[steps - i], MidpointRounding.ToEven);
        }

        return timesteps;
    }

    /// <summary>Throws when the step count lies outside 1..num_train_timesteps.</summary>
    public static void RequireSteps(SchedulerOptions options, int steps)
    {
        if (steps < 1 || steps > options.NumTrainTimesteps)
        {
            throw new ArgumentOutOfRangeException(
                nameof(steps), steps, $"The number of inference steps must lie in 1..{options.NumTrainTimesteps} (num_train_timesteps).");
        }
    }

    /// <summary>
    /// The run's sigmas for <paramref name="timesteps"/>: the training sigmas there, or a Karras or exponential
    /// schedule between the training extremes (whose timesteps then follow from the sigmas; Karras ones rounded when
    /// <paramref name="roundKarras"/>, exponential ones truncated as torch's int64 cast does), then the final sigma.
    /// </summary>
    public static SolverSchedule Build(
        MultistepSolverOptions options, float[] alphasCumprod, double[] timesteps, FinalSigma final, bool roundKarras,
        double? sigmaMin = null, double? sigmaMax = null)
    {
        var training = new TrainingSigmas(alphasCumprod);
        int steps = timesteps.Length;
        double[] sigmas;
        if (options.UseKarrasSigmas || options.UseExponentialSigmas)
        {
            double min = sigmaMin ?? training.Values[0];
            double max = sigmaMax ?? training.Values[^1];
            sigmas = options.UseKarrasSigmas ? TrainingSigmas.Karras(min, max, steps) : TrainingSigmas.Exponential(min, max, steps);
            timesteps = Array.ConvertAll(sigmas, training.ToTimestep);
            bool round = options.UseKarrasSigmas && roundKarras;
            timesteps = Array.ConvertAll(timesteps, t => round ? Math.Round(t, MidpointRounding.ToEven) : Math.Truncate(t));
        }
        else
        {
            sigmas = training.At(timesteps);
        }

        double last = final switch
        {
            FinalSigma.Zero => 0,
            FinalSigma.TrainingMin => training.Values[0],
            _ => sigmas[^1],
        };
        float[] runSigmas = [.. sigmas.Select(s => (float)s), (float)last];
        return new SolverSchedule(Array.ConvertAll(timesteps, t => (float)t), runSigmas);
    }

    /// <summary>alpha_t and sigma_t of the variance-preserving process at k-diffusion sigma <paramref name="sigma"/>.</summary>
    public static (float Alpha, float Sigma) AlphaSigma(float sigma)
    {
        float alpha = 1f / MathF.Sqrt((sigma * sigma) + 1f);
        return (alpha, sigma * alpha);
    }

    /// <summary>The half log-SNR lambda = ln alpha_t - ln sigma_t (+infinity at sigma 0).</summary>
    public static float Lambda(float sigma)
    {
        var (alpha, sigmaT) = AlphaSigma(sigma);
        return MathF.Log(alpha) - MathF.Log(sigmaT);
    }

    /// <summary>
    /// The first training step not cut by <c>lambda_min_clipped</c>, counted from the end: diffusers'
    /// searchsorted of the clip value in the ascending lambdas.
    /// </summary>
    public static int LastTimestep(float[] alphasCumprod, double lambdaMinClipped)
    {
        int clipped = 0;
        foreach (float a in alphasCumprod)
        {
            float lambda = MathF.Log(MathF.Sqrt(a)) - MathF.Log(MathF.Sqrt(1f - a));
            if (lambda < lambdaMinClipped)
            {
                clipped++;
            }
        }

        return alphasCumprod.Length - clipped;
    }
}
