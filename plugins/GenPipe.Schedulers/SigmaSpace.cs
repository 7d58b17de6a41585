using GenPipe.Abstractions.Models;
using GenPipe.Tensors;

namespace GenPipe.Schedulers;

/// <summary>
/// Arithmetic the k-diffusion schedulers share, in the sigma parameterisation x = x_0 + sigma * eps of Karras et al.
/// (2022): the model sees x / sqrt(sigma^2 + 1), and its output is turned into a clean-sample estimate. Float32 in
/// torch's operation order.
/// </summary>
internal static class SigmaSpace
{
    /// <summary>
    /// diffusers' init_noise_sigma: the largest sigma, plus the VP unit variance under <c>leading</c> spacing, whose
    /// first timestep is not the noisiest.
    /// </summary>
    public static float InitNoiseSigma(SchedulerOptions options, IEnumerable<float> sigmas)
    {
        float max = sigmas.Max();
        return options.TimestepSpacing is "linspace" or "trailing" ? max : MathF.Sqrt((max * max) + 1f);
    }

    /// <summary>scale_model_input: x / sqrt(sigma^2 + 1).</summary>
    public static Tensor ScaleInput(Tensor sample, float sigma)
    {
        ArgumentNullException.ThrowIfNull(sample);
        float scale = MathF.Sqrt((sigma * sigma) + 1f);
        ReadOnlySpan<float> x = sample.Span;
        var result = new float[x.Length];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = x[i] / scale;
        }

        return new Tensor(result, sample.GetShape());
    }

    /// <summary>The clean-sample estimate x_0 from a model output at noise level <paramref name="sigma"/>.</summary>
    public static float[] Original(PredictionType type, ReadOnlySpan<float> modelOutput, ReadOnlySpan<float> sample, float sigma, string scheduler)
    {
        var original = new float[sample.Length];
        float vScale = -sigma / MathF.Sqrt((sigma * sigma) + 1f);
        float vDivisor = (sigma * sigma) + 1f;
        for (int i = 0; i < sample.Length; i++)
        {
            original[i] = type switch
            {
                PredictionType.Epsilon => sample[i] - (sigma * modelOutput[i]),
                PredictionType.VPrediction => (modelOutput[i] * vScale) + (sample[i] / vDivisor),
                PredictionType.Sample => modelOutput[i],
                _ => throw new NotSupportedException($"prediction_type {type} is not supported by {scheduler}."),
            };
        }

        return original;
    }

    /// <summary>
    /// The index of a run's first step, as diffusers finds it: the timestep's position in the schedule, the second
    /// match when it repeats (so img2img starting mid-schedule does not skip a sigma).
    /// </summary>
    public static int FirstStepIndex(float[] timesteps, float timestep)
    {
        int first = Array.IndexOf(timesteps, timestep);
        if (first < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(timestep), timestep, "The timestep is not one of this run's timesteps.");
        }

        int second = Array.IndexOf(timesteps, timestep, first + 1);
        return second >= 0 ? second : first;
    }

    /// <summary>Throws when a run has used all its steps.</summary>
    public static void RequireStepLeft(int index, int count)
    {
        if (index >= count)
        {
            throw new InvalidOperationException($"All {count} steps of this run are done; start a new run with SetTimesteps.");
        }
    }

    /// <summary>Throws when a stochastic step has no random source.</summary>
    public static IRandomSource RequireRandom(IRandomSource? random, string scheduler) =>
        random ?? throw new ArgumentNullException(nameof(random), $"{scheduler} draws noise: pass a random source (e.g. a TorchGenerator).");

    /// <summary>
    /// The forward process in sigma units, x = x_0 + sigma(t) * eps, sigma interpolated between training steps
    /// (diffusers looks sigma up in a run's schedule; a training timestep needs no run).
    /// </summary>
    public static Tensor AddNoise(Tensor original, Tensor noise, TrainingSigmas sigmas, float timestep)
    {
        PredictedSample.RequireSameShape(noise, original);
        int last = sigmas.Values.Length - 1;
        if (!(timestep >= 0 && timestep <= last))
        {
            throw new ArgumentOutOfRangeException(nameof(timestep), timestep, $"add_noise needs a timestep in 0..{last}.");
        }

        float sigma = (float)sigmas.At(timestep);
        ReadOnlySpan<float> x = original.Span;
        ReadOnlySpan<float> eps = noise.Span;
        var result = new float[x.Length];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = x[i] + (eps[i] * sigma);
        }

        return new Tensor(result, original.GetShape());
    }
}
