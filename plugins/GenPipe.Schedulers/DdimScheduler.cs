using GenPipe.Abstractions.Models;
using GenPipe.Tensors;

namespace GenPipe.Schedulers;

/// <summary>
/// DDIM: Song, Meng and Ermon (2021), "Denoising Diffusion Implicit Models", eq. (12), with a = alphas_cumprod:
/// <code>
///   x_0   = (x_t - sqrt(1 - a_t) * eps) / sqrt(a_t)
///   sigma = eta * sqrt((1 - a_prev) / (1 - a_t)) * sqrt(1 - a_t / a_prev)
///   x_prev = sqrt(a_prev) * x_0 + sqrt(1 - a_prev - sigma^2) * eps + sigma * z,   z ~ N(0, I)
/// </code>
/// eta = 0 is the deterministic sampler; eta = 1 is DDPM's posterior variance. Reproduces diffusers' DDIMScheduler.
/// </summary>
public sealed class DdimScheduler : DiffusersScheduler<DdimSchedulerOptions>
{
    /// <summary>The component id.</summary>
    public const string ComponentId = "scheduler/ddim";

    // The alpha_cumprod "before" the first training step, used after the last inference step.
    private readonly float _finalAlphaCumprod;

    /// <summary>Creates the scheduler.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public DdimScheduler(DdimSchedulerOptions options)
        : base(options, ComponentId, finiteTerminalSigma: false)
    {
        _finalAlphaCumprod = options.SetAlphaToOne ? 1f : TrainingAlphasCumprod[0];
    }

    /// <inheritdoc />
    public override ISchedulerSession SetTimesteps(int numInferenceSteps) => new Session(this, numInferenceSteps);

    private sealed class Session : SchedulerSession
    {
        private readonly DdimScheduler _scheduler;
        private readonly int _stride;
        private readonly float[] _timesteps;

        public Session(DdimScheduler scheduler, int steps)
        {
            _scheduler = scheduler;
            _timesteps = TimestepSpacing.WholeTimesteps(scheduler.Options, steps);

            // diffusers steps back by the integer ratio whatever the spacing.
            _stride = scheduler.Options.NumTrainTimesteps / steps;
        }

        public override IReadOnlyList<float> Timesteps => _timesteps;

        public override SchedulerStepOutput Step(Tensor modelOutput, float timestep, Tensor sample, IRandomSource? random = null)
        {
            PredictedSample.RequireSameShape(modelOutput, sample);
            var options = _scheduler.Options;
            int t = TrainingIndex(timestep, _scheduler.TrainingAlphasCumprod.Length);
            int prev = t - _stride;
            float alphaProd = _scheduler.TrainingAlphasCumprod[t];
            float alphaProdPrev = prev >= 0 ? _scheduler.TrainingAlphasCumprod[prev] : _scheduler._finalAlphaCumprod;

            var (original, epsilon) = PredictedSample.Split(_scheduler.PredictionType, modelOutput.Span, sample.Span, alphaProd);
            options.ClipPrediction(original, sample.Shape);
            if (options.UseClippedModelOutput)
            {
                PredictedSample.EpsilonFromOriginal(original, sample.Span, alphaProd, epsilon);
            }

            float betaProd = 1f - alphaProd;
            float betaProdPrev = 1f - alphaProdPrev;
            float variance = betaProdPrev / betaProd * (1f - (alphaProd / alphaProdPrev));
            float stdDev = (float)options.Eta * MathF.Sqrt(variance);
            float directionScale = MathF.Sqrt(1f - alphaProdPrev - (stdDev * stdDev));
            float originalScale = MathF.Sqrt(alphaProdPrev);

            var prevSample = new float[original.Length];
            for (int i = 0; i < prevSample.Length; i++)
            {
                prevSample[i] = (originalScale * original[i]) + (directionScale * epsilon[i]);
            }

            if (options.Eta > 0)
            {
                if (random is null)
                {
                    throw new ArgumentNullException(nameof(random), $"DDIM with eta={options.Eta} draws noise each step: pass a random source.");
                }

                Tensor z = random.Randn(sample.GetShape());
                ReadOnlySpan<float> noise = z.Span;
                for (int i = 0; i < prevSample.Length; i++)
                {
                    prevSample[i] += stdDev * noise[i];
                }
            }

            return new SchedulerStepOutput(new Tensor(prevSample, sample.GetShape()), new Tensor(original, sample.GetShape()));
        }

        private static int TrainingIndex(float timestep, int trainSteps)
        {
            int t = (int)timestep;
            if (t != timestep || t < 0 || t >= trainSteps)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(timestep), timestep, $"DDIM steps at whole training timesteps in 0..{trainSteps - 1}.");
            }

            return t;
        }
    }
}
