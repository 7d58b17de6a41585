using GenPipe.Abstractions.Models;
using GenPipe.Tensors;

namespace GenPipe.Schedulers;

/// <summary>
/// Heun's method (the explicit trapezoidal rule) on the probability-flow ODE, Karras et al. (2022), Algorithm 1:
/// <code>
///   d_i = (x_i - x_0(x_i, sigma_i)) / sigma_i,          x' = x_i + (sigma_{i+1} - sigma_i) * d_i
///   d'  = (x' - x_0(x', sigma_{i+1})) / sigma_{i+1},    x_{i+1} = x_i + (sigma_{i+1} - sigma_i) * (d_i + d') / 2
/// </code>
/// Every sigma but the first and last is visited twice (the Euler predictor, then the corrector), so a run of n steps
/// calls the model 2n - 1 times; the last step, to sigma = 0, is Euler's. Reproduces diffusers' HeunDiscreteScheduler.
/// </summary>
public sealed class HeunDiscreteScheduler : KDiffusionScheduler<HeunDiscreteSchedulerOptions>
{
    /// <summary>The component id.</summary>
    public const string ComponentId = "scheduler/heun";

    /// <summary>Creates the scheduler.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public HeunDiscreteScheduler(HeunDiscreteSchedulerOptions options)
        : base(options, ComponentId, finiteTerminalSigma: false)
    {
    }

    /// <inheritdoc />
    public override ISchedulerSession SetTimesteps(int numInferenceSteps) => new Session(this, Schedule(numInferenceSteps));

    /// <summary>
    /// The run's sigmas (respaced when the options ask): sigma_0, then every later sigma twice, then 0; timestep_0,
    /// then every later timestep twice, as diffusers' <c>set_timesteps</c> computes them.
    /// </summary>
    private (float[] Sigmas, float[] Timesteps) Schedule(int steps)
    {
        var (run, timesteps) = TrainingSigmas.Run(Options, steps);
        return (
            [run[0], .. run[1..^1].SelectMany(s => new[] { s, s }), run[^1]],
            [timesteps[0], .. timesteps[1..].SelectMany(t => new[] { t, t })]);
    }

    private sealed class Session : KDiffusionSession
    {
        private readonly HeunDiscreteScheduler _scheduler;

        // Between the predictor and the corrector: the predictor's derivative, step and starting sample.
        private float[]? _firstDerivative;
        private float _dt;
        private float[]? _firstSample;

        public Session(HeunDiscreteScheduler scheduler, (float[] Sigmas, float[] Timesteps) run)
            : base(scheduler.Options, run.Sigmas, run.Timesteps)
        {
            _scheduler = scheduler;
        }

        public override int Order => 2;

        private bool InFirstOrder => _firstDerivative is null;

        public override SchedulerStepOutput Step(Tensor modelOutput, float timestep, Tensor sample, IRandomSource? random = null)
        {
            PredictedSample.RequireSameShape(modelOutput, sample);
            int index = CurrentStep(timestep);
            var options = _scheduler.Options;
            bool first = InFirstOrder;
            float sigma = first ? RunSigmas[index] : RunSigmas[index - 1];
            float sigmaNext = first ? RunSigmas[index + 1] : RunSigmas[index];

            ReadOnlySpan<float> x = sample.Span;
            float[] original = SigmaSpace.Original(_scheduler.PredictionType, modelOutput.Span, x, first ? sigma : sigmaNext, "Heun");
            if (options.ClipSample)
            {
                float range = (float)options.ClipSampleRange;
                for (int i = 0; i < original.Length; i++)
                {
                    original[i] = Math.Clamp(original[i], -range, range);
                }
            }

            var prev = new float[x.Length];
            if (first)
            {
                var derivative = new float[x.Length];
                float dt = sigmaNext - sigma;
                for (int i = 0; i < x.Length; i++)
                {
                    derivative[i] = (x[i] - original[i]) / sigma;
                    prev[i] = x[i] + (derivative[i] * dt);
                }

                _firstDerivative = derivative;
                _dt = dt;
                _firstSample = x.ToArray();
            }
            else
            {
                float[] start = _firstSample!;
                float[] previous = _firstDerivative!;
                for (int i = 0; i < x.Length; i++)
                {
                    float derivative = (previous[i] + ((x[i] - original[i]) / sigmaNext)) / 2f;
                    prev[i] = start[i] + (derivative * _dt);
                }

                _firstDerivative = null;
                _firstSample = null;
            }

            Advance(index);
            return new SchedulerStepOutput(new Tensor(prev, sample.GetShape()), new Tensor(original, sample.GetShape()));
        }
    }
}
