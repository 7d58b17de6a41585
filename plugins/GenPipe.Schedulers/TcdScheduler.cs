using GenPipe.Abstractions.Models;
using GenPipe.Tensors;

namespace GenPipe.Schedulers;

/// <summary>
/// Trajectory Consistency Distillation sampling: Zheng et al. (2024), "Trajectory Consistency Distillation",
/// strategic stochastic sampling (Algorithm 4). With gamma = <c>eta</c>, the model jumps to the intermediate time
/// s = floor((1 - gamma) * t_prev) on the PF-ODE and noise carries it back to t_prev:
/// <code>
///   x_s    = sqrt(a_s) * x_0 + sqrt(1 - a_s) * eps
///   x_prev = sqrt(a_prev / a_s) * x_s + sqrt(1 - a_prev / a_s) * z      (the last step returns x_s)
/// </code>
/// Reproduces diffusers' TCDScheduler (which neither clips nor thresholds).
/// </summary>
public sealed class TcdScheduler : DiffusersScheduler<TcdSchedulerOptions>
{
    /// <summary>The component id.</summary>
    public const string ComponentId = "scheduler/tcd";

    /// <summary>Creates the scheduler.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public TcdScheduler(TcdSchedulerOptions options)
        : base(options, ComponentId, finiteTerminalSigma: false)
    {
    }

    /// <inheritdoc />
    public override ISchedulerSession SetTimesteps(int numInferenceSteps) => new Session(this, Options.ConsistencyTimesteps(numInferenceSteps));

    private sealed class Session(TcdScheduler scheduler, float[] timesteps) : SchedulerSession
    {
        private readonly StepCounter _counter = new(timesteps);

        public override IReadOnlyList<float> Timesteps => timesteps;

        public override SchedulerStepOutput Step(Tensor modelOutput, float timestep, Tensor sample, IRandomSource? random = null)
        {
            PredictedSample.RequireSameShape(modelOutput, sample);
            float eta = (float)scheduler.Options.Eta;
            int index = _counter.Current(timestep);
            bool last = index == timesteps.Length - 1;
            int t = (int)timesteps[index];
            int prevT = last ? 0 : (int)timesteps[index + 1];
            int s = (int)MathF.Floor((1f - eta) * prevT);
            float[] alphas = scheduler.TrainingAlphasCumprod;

            var (original, epsilon) = PredictedSample.Split(scheduler.PredictionType, modelOutput.Span, sample.Span, alphas[t]);
            float signalS = MathF.Sqrt(alphas[s]);
            float noiseS = MathF.Sqrt(1f - alphas[s]);
            var noised = new float[original.Length];
            for (int i = 0; i < noised.Length; i++)
            {
                noised[i] = (signalS * original[i]) + (noiseS * epsilon[i]);
            }

            float[] prev = noised;
            if (eta > 0 && !last)
            {
                if (random is null)
                {
                    throw new ArgumentNullException(nameof(random), $"TCD with eta={eta} draws noise after every step but the last: pass a random source.");
                }

                ReadOnlySpan<float> z = random.Randn(sample.GetShape()).Span;
                float ratio = alphas[prevT] / alphas[s];
                float keep = MathF.Sqrt(ratio);
                float fresh = MathF.Sqrt(1f - ratio);
                prev = new float[noised.Length];
                for (int i = 0; i < prev.Length; i++)
                {
                    prev[i] = (keep * noised[i]) + (fresh * z[i]);
                }
            }

            _counter.Advance();
            return new SchedulerStepOutput(new Tensor(prev, sample.GetShape()), new Tensor(original, sample.GetShape()));
        }
    }
}
