using GenPipe.Abstractions.Models;
using GenPipe.Tensors;

namespace GenPipe.Schedulers;

/// <summary>
/// DDPM ancestral sampling: Ho, Jain and Abbeel (2020), "Denoising Diffusion Probabilistic Models", eqs. (6)-(7),
/// the Gaussian posterior q(x_prev | x_t, x_0) with the model's x_0, where a = alphas_cumprod and
/// beta_t = 1 - a_t / a_prev between the visited timesteps:
/// <code>
///   mean     = sqrt(a_prev) * beta_t / (1 - a_t) * x_0  +  sqrt(1 - beta_t) * (1 - a_prev) / (1 - a_t) * x_t
///   variance = (1 - a_prev) / (1 - a_t) * beta_t                       (fixed_small; fixed_large uses beta_t)
///   x_prev   = mean + sqrt(variance) * z,   z ~ N(0, I), no noise at t = 0
/// </code>
/// Reproduces diffusers' DDPMScheduler.
/// </summary>
public sealed class DdpmScheduler : DiffusersScheduler<DdpmSchedulerOptions>
{
    /// <summary>The component id.</summary>
    public const string ComponentId = "scheduler/ddpm";

    /// <summary>Creates the scheduler.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public DdpmScheduler(DdpmSchedulerOptions options)
        : base(options, ComponentId, finiteTerminalSigma: false)
    {
    }

    /// <inheritdoc />
    public override ISchedulerSession SetTimesteps(int numInferenceSteps) => new Session(this, numInferenceSteps);

    private sealed class Session : SchedulerSession
    {
        private readonly DdpmScheduler _scheduler;
        private readonly float[] _timesteps;

        public Session(DdpmScheduler scheduler, int steps)
        {
            _scheduler = scheduler;
            _timesteps = TimestepSpacing.WholeTimesteps(scheduler.Options, steps);
        }

        public override IReadOnlyList<float> Timesteps => _timesteps;

        // DDPM works on the unscaled sample: the model sees x_t itself.
        public override SchedulerStepOutput Step(Tensor modelOutput, float timestep, Tensor sample, IRandomSource? random = null)
        {
            PredictedSample.RequireSameShape(modelOutput, sample);
            var options = _scheduler.Options;
            float[] alphas = _scheduler.TrainingAlphasCumprod;
            int index = Array.IndexOf(_timesteps, timestep);
            if (index < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(timestep), timestep, "The timestep is not one of this run's timesteps.");
            }

            // The previous timestep is the next one of this run, not t - 1: DDPM here skips steps like DDIM.
            int t = (int)timestep;
            int prev = index == _timesteps.Length - 1 ? -1 : (int)_timesteps[index + 1];
            float alphaProd = alphas[t];
            float alphaProdPrev = prev >= 0 ? alphas[prev] : 1f;
            float betaProd = 1f - alphaProd;
            float betaProdPrev = 1f - alphaProdPrev;
            float currentAlpha = alphaProd / alphaProdPrev;
            float currentBeta = 1f - currentAlpha;

            var (original, _) = PredictedSample.Split(_scheduler.PredictionType, modelOutput.Span, sample.Span, alphaProd);
            options.ClipPrediction(original, sample.Shape);

            float originalCoeff = MathF.Sqrt(alphaProdPrev) * currentBeta / betaProd;
            float sampleCoeff = MathF.Sqrt(currentAlpha) * betaProdPrev / betaProd;
            ReadOnlySpan<float> x = sample.Span;
            var prevSample = new float[x.Length];
            for (int i = 0; i < prevSample.Length; i++)
            {
                prevSample[i] = (originalCoeff * original[i]) + (sampleCoeff * x[i]);
            }

            if (t > 0)
            {
                if (random is null)
                {
                    throw new ArgumentNullException(nameof(random), "DDPM draws noise at every step but the last: pass a random source.");
                }

                float std = StandardDeviation(options.VarianceType, alphaProd, alphaProdPrev);
                ReadOnlySpan<float> z = random.Randn(sample.GetShape()).Span;
                for (int i = 0; i < prevSample.Length; i++)
                {
                    prevSample[i] += std * z[i];
                }
            }

            return new SchedulerStepOutput(new Tensor(prevSample, sample.GetShape()), new Tensor(original, sample.GetShape()));
        }

        /// <summary>The standard deviation of the reverse step for <c>variance_type</c>, in diffusers' float32 order.</summary>
        private static float StandardDeviation(string varianceType, float alphaProd, float alphaProdPrev)
        {
            float currentBeta = 1f - (alphaProd / alphaProdPrev);
            // The posterior variance, kept off zero so that its log stays finite.
            float posterior = Math.Max((1f - alphaProdPrev) / (1f - alphaProd) * currentBeta, 1e-20f);
            return varianceType switch
            {
                "fixed_small" => MathF.Sqrt(posterior),
                // diffusers multiplies the noise by exp(0.5 * log(variance)) itself here, without a square root.
                "fixed_small_log" => MathF.Exp(0.5f * MathF.Log(posterior)),
                "fixed_large" => MathF.Sqrt(currentBeta),
                _ => throw new NotSupportedException($"variance_type '{varianceType}' is not implemented."),
            };
        }
    }
}
