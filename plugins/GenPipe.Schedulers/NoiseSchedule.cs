using GenPipe.Tensors;

namespace GenPipe.Schedulers;

/// <summary>
/// The training noise schedule: betas and their cumulative alpha products, computed in float32 in the same order
/// PyTorch computes them, so schedules match diffusers to the last bit or close to it.
/// </summary>
internal static class NoiseSchedule
{
    /// <summary>The cumulative products of (1 - beta) for the configured schedule.</summary>
    public static float[] AlphasCumprod(SchedulerOptions options)
    {
        float[] betas = Betas(options);
        if (options.RescaleBetasZeroSnr)
        {
            betas = RescaleToZeroTerminalSnr(betas);
        }

        return TorchArithmetic.CumulativeProduct(OneMinus(betas));
    }

    private static float[] Betas(SchedulerOptions options)
    {
        int n = options.NumTrainTimesteps;
        if (options.TrainedBetas is { } trained)
        {
            return Array.ConvertAll(trained, b => (float)b);
        }

        switch (options.BetaSchedule)
        {
            case "linear":
                return TorchArithmetic.Linspace((float)options.BetaStart, (float)options.BetaEnd, n);
            case "scaled_linear":
                // Stable Diffusion's schedule: linear in sqrt(beta), square roots taken in double as Python does.
                float[] roots = TorchArithmetic.Linspace((float)Math.Sqrt(options.BetaStart), (float)Math.Sqrt(options.BetaEnd), n);
                return Array.ConvertAll(roots, r => r * r);
            case "squaredcos_cap_v2":
                return CosineBetas(n);
            default:
                throw new ArgumentException(
                    $"Unknown beta_schedule '{options.BetaSchedule}'; use one of: {string.Join(", ", SchedulerOptions.BetaSchedules)}.",
                    nameof(options));
        }
    }

    /// <summary>
    /// The cosine schedule of Nichol and Dhariwal (2021): alpha_bar(t) = cos^2(((t + 0.008) / 1.008) * pi / 2),
    /// beta_i = min(1 - alpha_bar((i + 1) / n) / alpha_bar(i / n), 0.999), computed in double, stored as float.
    /// </summary>
    private static float[] CosineBetas(int n)
    {
        static double AlphaBar(double t) => Math.Pow(Math.Cos((t + 0.008) / 1.008 * Math.PI / 2), 2);

        var betas = new float[n];
        for (int i = 0; i < n; i++)
        {
            double t1 = (double)i / n;
            double t2 = (double)(i + 1) / n;
            betas[i] = (float)Math.Min(1 - (AlphaBar(t2) / AlphaBar(t1)), 0.999);
        }

        return betas;
    }

    /// <summary>
    /// Lin et al. (2023), "Common Diffusion Noise Schedules and Sample Steps are Flawed", Algorithm 1: shift and scale
    /// sqrt(alpha_bar) so the last step has zero signal and the first keeps its value.
    /// </summary>
    private static float[] RescaleToZeroTerminalSnr(float[] betas)
    {
        float[] alphaBar = TorchArithmetic.CumulativeProduct(OneMinus(betas));
        float[] root = Array.ConvertAll(alphaBar, MathF.Sqrt);
        float first = root[0];
        float last = root[^1];
        float scale = first / (first - last);
        for (int i = 0; i < root.Length; i++)
        {
            root[i] = (root[i] - last) * scale;
        }

        var rescaled = new float[betas.Length];
        rescaled[0] = 1f - (root[0] * root[0]);
        for (int i = 1; i < betas.Length; i++)
        {
            rescaled[i] = 1f - ((root[i] * root[i]) / (root[i - 1] * root[i - 1]));
        }

        return rescaled;
    }

    private static float[] OneMinus(float[] values) => Array.ConvertAll(values, v => 1f - v);
}
