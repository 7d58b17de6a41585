using GenPipe.Abstractions.Models;
using GenPipe.Tensors;

namespace GenPipe.Schedulers;

/// <summary>
/// Euler's method on the probability-flow ODE in the sigma parameterisation of Karras et al. (2022), "Elucidating
/// the Design Space of Diffusion-Based Generative Models", Algorithm 2 (churn optional):
/// <code>
///   sigma_t = sqrt((1 - a_t) / a_t),   x = x_vp * sqrt(1 + sigma^2)
///   sigma_hat = sigma_i * (1 + gamma),  x += sqrt(sigma_hat^2 - sigma_i^2) * s_noise * z   (only when gamma > 0)
///   d = (x - x_0) / sigma_hat,          x_next = x + d * (sigma_{i+1} - sigma_hat)
/// </code>
/// The model sees x / sqrt(sigma^2 + 1). Reproduces diffusers' EulerDiscreteScheduler.
/// </summary>
public sealed class EulerDiscreteScheduler : KDiffusionScheduler<EulerDiscreteSchedulerOptions>
{
    /// <summary>The component id.</summary>
    public const string ComponentId = "scheduler/euler";

    /// <summary>Creates the scheduler.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public EulerDiscreteScheduler(EulerDiscreteSchedulerOptions options)
        : base(options, ComponentId, finiteTerminalSigma: true)
    {
    }

    /// <inheritdoc />
    public override ISchedulerSession SetTimesteps(int numInferenceSteps) => new Session(this, Schedule(numInferenceSteps));

    /// <summary>The sigmas and timesteps of a run, as diffusers' <c>set_timesteps</c> computes them.</summary>
    private (float[] Sigmas, float[] Timesteps) Schedule(int steps)
    {
        var options = Options;
        double[] timesteps = TrainingSigmas.Timesteps(options, steps);
        double[] sigmas = options.InterpolationType == "log_linear" ? LogLinearSigmas(steps) : TrainingSigmas.At(timesteps);
        TrainingSigmas.TryRespace(options, steps, options.SigmaMin, options.SigmaMax, ref sigmas, ref timesteps);

        double last = options.FinalSigmasType == "sigma_min" ? Math.Sqrt((1 - TrainingAlphasCumprod[0]) / TrainingAlphasCumprod[0]) : 0;
        float[] runSigmas = [.. sigmas.Select(s => (float)s), (float)last];

        float[] runTimesteps = options.TimestepType == "continuous" && PredictionType == PredictionType.VPrediction
            ? [.. runSigmas[..^1].Select(s => 0.25f * MathF.Log(s))]
            : Array.ConvertAll(timesteps, t => (float)t);
        return (runSigmas, runTimesteps);
    }

    /// <summary>torch.linspace(ln sigma_max, ln sigma_min, n + 1).exp(), as diffusers' log_linear does (float32).</summary>
    private double[] LogLinearSigmas(int steps)
    {
        ReadOnlySpan<float> training = TrainingSigmas.Values;
        float[] logs = TorchArithmetic.Linspace(MathF.Log(training[^1]), MathF.Log(training[0]), steps + 1);
        return Array.ConvertAll(logs, l => (double)MathF.Exp(l));
    }

    private sealed class Session : KDiffusionSession
    {
        private readonly EulerDiscreteScheduler _scheduler;

        public Session(EulerDiscreteScheduler scheduler, (float[] Sigmas, float[] Timesteps) run)
            : base(scheduler.Options, run.Sigmas, run.Timesteps)
        {
            _scheduler = scheduler;
        }

        public override SchedulerStepOutput Step(Tensor modelOutput, float timestep, Tensor sample, IRandomSource? random = null)
        {
            PredictedSample.RequireSameShape(modelOutput, sample);
            var options = _scheduler.Options;
            int index = CurrentStep(timestep);
            float sigma = RunSigmas[index];
            float gamma = options.STmin <= sigma && sigma <= options.STmax
                ? (float)Math.Min(options.SChurn / (RunSigmas.Length - 1), Math.Sqrt(2) - 1)
                : 0f;
            float sigmaHat = sigma * (gamma + 1f);

            float[] x = sample.Span.ToArray();
            if (gamma > 0)
            {
                if (random is null)
                {
                    throw new ArgumentNullException(nameof(random), $"Euler with s_churn={options.SChurn} draws noise: pass a random source.");
                }

                ReadOnlySpan<float> z = random.Randn(sample.GetShape()).Span;
                float churn = MathF.Sqrt((sigmaHat * sigmaHat) - (sigma * sigma));
                float sNoise = (float)options.SNoise;
                for (int i = 0; i < x.Length; i++)
                {
                    x[i] += z[i] * sNoise * churn;
                }
            }

            ReadOnlySpan<float> m = modelOutput.Span;
            var original = new float[x.Length];
            float vScale = -sigma / MathF.Sqrt((sigma * sigma) + 1f);
            float vDivisor = (sigma * sigma) + 1f;
            for (int i = 0; i < x.Length; i++)
            {
                original[i] = _scheduler.PredictionType switch
                {
                    PredictionType.Epsilon => x[i] - (sigmaHat * m[i]),
                    PredictionType.VPrediction => (m[i] * vScale) + (x[i] / vDivisor),
                    PredictionType.Sample => m[i],
                    _ => throw new NotSupportedException($"prediction_type {_scheduler.PredictionType} is not supported by Euler."),
                };
            }

            float dt = RunSigmas[index + 1] - sigmaHat;
            var prev = new float[x.Length];
            for (int i = 0; i < x.Length; i++)
            {
                float derivative = (x[i] - original[i]) / sigmaHat;
                prev[i] = x[i] + (derivative * dt);
            }

            Advance(index);
            return new SchedulerStepOutput(new Tensor(prev, sample.GetShape()), new Tensor(original, sample.GetShape()));
        }
    }
}
