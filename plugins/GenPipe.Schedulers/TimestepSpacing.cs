namespace GenPipe.Schedulers;

/// <summary>
/// Which training timesteps an inference run visits (<c>timestep_spacing</c>; see Lin et al., 2023, Table 2), in
/// descending order, with the double arithmetic of numpy so that roundings land where diffusers' do.
/// </summary>
internal static class TimestepSpacing
{
    /// <summary>
    /// The timesteps for <paramref name="steps"/> inference steps. <c>linspace</c> gives fractional timesteps unless
    /// <paramref name="roundLinspace"/> (DDIM rounds them, Euler interpolates between training steps). With
    /// <paramref name="numpyArangeLength"/>, <c>trailing</c> keeps the extra timestep -1 that numpy's arange yields for
    /// some step counts (see <see cref="ArangeLength"/>): the k-diffusion schedulers interpolate sigmas there, clamped
    /// to the first training sigma, so diffusers' run is finite and worth copying; schedulers that index
    /// alphas_cumprod with it would wrap around to the last training step, so they keep exactly the steps asked for.
    /// </summary>
    public static double[] Timesteps(SchedulerOptions options, int steps, bool roundLinspace, bool numpyArangeLength = false)
    {
        int trainSteps = options.NumTrainTimesteps;
        if (steps < 1 || steps > trainSteps)
        {
            throw new ArgumentOutOfRangeException(
                nameof(steps), steps, $"The number of inference steps must lie in 1..{trainSteps} (num_train_timesteps).");
        }

        double[] timesteps;
        switch (options.TimestepSpacing)
        {
            case "leading":
                // Multiples of the integer ratio counted from 0, shifted by steps_offset.
                int ratio = trainSteps / steps;
                timesteps = new double[steps];
                for (int i = 0; i < steps; i++)
                {
                    timesteps[i] = ((double)(steps - 1 - i) * ratio) + options.StepsOffset;
                }

                break;
            case "trailing":
                // Counted down from the last training step by a fractional ratio.
                double trailingRatio = (double)trainSteps / steps;
                timesteps = CountDown(trainSteps, trailingRatio, numpyArangeLength ? ArangeLength(trainSteps, trailingRatio) : steps);
                for (int i = 0; i < timesteps.Length; i++)
                {
                    timesteps[i] = Math.Round(timesteps[i], MidpointRounding.ToEven) - 1;
                }

                break;
            case "linspace":
                timesteps = NumpyLinspace(0, trainSteps - 1, steps);
                Array.Reverse(timesteps);
                if (roundLinspace)
                {
                    for (int i = 0; i < timesteps.Length; i++)
                    {
                        timesteps[i] = Math.Round(timesteps[i], MidpointRounding.ToEven);
                    }
                }

                break;
            default:
                throw new ArgumentException(
                    $"Unknown timestep_spacing '{options.TimestepSpacing}'; use one of: {string.Join(", ", SchedulerOptions.TimestepSpacings)}.",
                    nameof(options));
        }

        return timesteps;
    }

    /// <summary>
    /// The whole training timesteps that DDIM and DDPM index alphas_cumprod with (float32). Throws when
    /// <c>leading</c> spacing with <c>steps_offset</c> passes the last training step, where diffusers would index past
    /// the end.
    /// </summary>
    public static float[] WholeTimesteps(SchedulerOptions options, int steps)
    {
        float[] timesteps = Array.ConvertAll(Timesteps(options, steps, roundLinspace: true), t => (float)t);
        if (timesteps[0] > options.NumTrainTimesteps - 1)
        {
            throw new ArgumentOutOfRangeException(
                nameof(steps), steps,
                $"With steps_offset={options.StepsOffset}, {steps} leading steps reach timestep {timesteps[0]}, past the " +
                $"last training step {options.NumTrainTimesteps - 1}; use fewer steps or timestep_spacing \"trailing\".");
        }

        return timesteps;
    }

    /// <summary>numpy.linspace: start + i * step in double, with the end point set exactly.</summary>
    public static double[] NumpyLinspace(double start, double stop, int count)
    {
        var values = new double[count];
        if (count == 1)
        {
            values[0] = start;
            return values;
        }

        double step = (stop - start) / (count - 1);
        for (int i = 0; i < count; i++)
        {
            values[i] = (i * step) + start;
        }

        values[^1] = stop;
        return values;
    }

    /// <summary>
    /// The length of numpy.arange(start, 0, -ratio): ceil((0 - start) / -ratio) in double. For ratio = start / n this
    /// is n + 1 for 62 of the counts 1..1000 (61, 103, 121, 122, 201, ...), the last value being about -6e-13, which
    /// diffusers rounds to 0 and shifts to the timestep -1.
    /// </summary>
    public static int ArangeLength(double start, double ratio) => (int)Math.Ceiling((0 - start) / -ratio);

    /// <summary>
    /// start - i * ratio for i in 0..count-1, with numpy.arange's arithmetic (the step as it survives the first
    /// subtraction).
    /// </summary>
    internal static double[] CountDown(double start, double ratio, int count)
    {
        double delta = (start - ratio) - start;
        var values = new double[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = start + (i * delta);
        }

        return values;
    }
}
