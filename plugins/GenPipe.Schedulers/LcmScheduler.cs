using GenPipe.Abstractions.Models;
using GenPipe.Tensors;

namespace GenPipe.Schedulers;

/// <summary>
/// Latent Consistency Model multistep sampling: Luo et al. (2023), "Latent Consistency Models", Algorithm 3, with
/// the boundary-condition scalings of Song et al. (2023), "Consistency Models" (sigma_data = 0.5, s = t * scaling):
/// <code>
///   c_skip = sigma_data^2 / (s^2 + sigma_data^2),   c_out = s / sqrt(s^2 + sigma_data^2)
///   denoised = c_out * x_0 + c_skip * x_t,          x_prev = sqrt(a_prev) * denoised + sqrt(1 - a_prev) * z
/// </code>
/// (the last step returns <c>denoised</c>). <see cref="SchedulerStepOutput.PredOriginalSample"/> is
/// <c>denoised</c>, diffusers' second output. Reproduces diffusers' LCMScheduler.
/// </summary>
public sealed class LcmScheduler : DiffusersScheduler<LcmSchedulerOptions>
{
    /// <summary>The component id.</summary>
    public const string ComponentId = "scheduler/lcm";

    /// <summary>Creates the scheduler.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public LcmScheduler(LcmSchedulerOptions options)
        : base(options, ComponentId, finiteTerminalSigma: false)
    {
    }

    /// <inheritdoc />
    public override ISchedulerSession SetTimesteps(int numInferenceSteps) => new Session(this, Options.ConsistencyTimesteps(numInferenceSteps));

    private sealed class Session(LcmScheduler scheduler, float[] timesteps) : SchedulerSession
    {
        private readonly StepCounter _counter = new(timesteps);

        public override IReadOnlyList<float> Timesteps => timesteps;

        public override SchedulerStepOutput Step(Tensor modelOutput, float timestep, Tensor sample, IRandomSource? random = null)
        {
            PredictedSample.RequireSameShape(modelOutput, sample);
            var options = scheduler.Options;
            int index = _counter.Current(timestep);
            bool last = index == timesteps.Length - 1;
            int t = (int)timesteps[index];
            float alphaProd = scheduler.TrainingAlphasCumprod[t];
            float alphaProdPrev = scheduler.TrainingAlphasCumprod[last ? t : (int)timesteps[index + 1]];

            const float SigmaDataSquared = 0.25f;
            float scaled = t * (float)options.TimestepScaling;
            float cSkip = SigmaDataSquared / ((scaled * scaled) + SigmaDataSquared);
            float cOut = scaled / MathF.Sqrt((scaled * scaled) + SigmaDataSquared);

            var (original, _) = PredictedSample.Split(scheduler.PredictionType, modelOutput.Span, sample.Span, alphaProd);
            options.ClipPrediction(original, sample.Shape);
            ReadOnlySpan<float> x = sample.Span;
            var denoised = new float[x.Length];
            for (int i = 0; i < denoised.Length; i++)
            {
                denoised[i] = (cOut * original[i]) + (cSkip * x[i]);
            }

            float[] prev = denoised;
            if (!last)
            {
                if (random is null)
                {
                    throw new ArgumentNullException(nameof(random), "LCM draws fresh noise after every step but the last: pass a random source.");
                }

                ReadOnlySpan<float> z = random.Randn(sample.GetShape()).Span;
                float signal = MathF.Sqrt(alphaProdPrev);
                float noiseScale = MathF.Sqrt(1f - alphaProdPrev);
                prev = new float[x.Length];
                for (int i = 0; i < prev.Length; i++)
                {
                    prev[i] = (signal * denoised[i]) + (noiseScale * z[i]);
                }
            }

            _counter.Advance();
            return new SchedulerStepOutput(new Tensor(prev, sample.GetShape()), new Tensor(denoised, sample.GetShape()));
        }
    }
}
