using GenPipe.Abstractions.Models;
using GenPipe.Tensors;

namespace GenPipe.Schedulers;

/// <summary>
/// DPM-Solver-2 (Lu et al., 2022) in k-diffusion's <c>sample_dpm_2</c> form: an Euler step to the geometric midpoint
/// sigma_mid = sqrt(sigma_i * sigma_{i+1}), and a second model call there gives the slope for the whole step:
/// <code>
///   x' = x_i + (x_i - x_0(x_i, sigma_i)) / sigma_i * (sigma_mid - sigma_i)
///   x_{i+1} = x_i + (x' - x_0(x', sigma_mid)) / sigma_mid * (sigma_{i+1} - sigma_i)
/// </code>
/// A run of n steps calls the model 2n - 1 times; the last step, to sigma = 0, is Euler's. Reproduces diffusers'
/// KDPM2DiscreteScheduler.
/// </summary>
public sealed class KDpm2DiscreteScheduler : KDiffusionScheduler<KDpm2DiscreteSchedulerOptions>
{
    /// <summary>The component id.</summary>
    public const string ComponentId = "scheduler/kdpm2";

    /// <summary>Creates the scheduler.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public KDpm2DiscreteScheduler(KDpm2DiscreteSchedulerOptions options)
        : base(options, ComponentId, finiteTerminalSigma: false)
    {
    }

    /// <inheritdoc />
    public override ISchedulerSession SetTimesteps(int numInferenceSteps) => new Session(this, Schedule(numInferenceSteps));

    /// <summary>
    /// The run's sigmas and the midpoints below them, interleaved, and the timesteps with each midpoint's between them,
    /// as diffusers' <c>set_timesteps</c> computes them.
    /// </summary>
    private (float[] Sigmas, float[] Midpoints, float[] Timesteps) Schedule(int steps)
    {
        var (sigmas, timesteps) = TrainingSigmas.Run(Options, steps, roundKarrasTimesteps: true);
        // The midpoint below each sigma's predecessor (the first is meaningless: its predecessor is the final 0).
        float[] midpoints = new float[sigmas.Length];
        for (int i = 0; i < sigmas.Length; i++)
        {
            midpoints[i] = KDpm2Sigmas.LogMidpoint(sigmas[i], sigmas[(i + sigmas.Length - 1) % sigmas.Length]);
        }

        var run = new List<float> { timesteps[0] };
        for (int i = 1; i < timesteps.Length; i++)
        {
            run.Add((float)TrainingSigmas.ToTimestep(midpoints[i]));
            run.Add(timesteps[i]);
        }

        return (KDpm2Sigmas.Interleave(sigmas), KDpm2Sigmas.Interleave(midpoints), [.. run]);
    }

    private sealed class Session : KDiffusionSession
    {
        private readonly KDpm2DiscreteScheduler _scheduler;
        private readonly float[] _midpoints;

        // The sample at the start of a step, kept between its two model calls.
        private float[]? _firstSample;

        public Session(KDpm2DiscreteScheduler scheduler, (float[] Sigmas, float[] Midpoints, float[] Timesteps) run)
            : base(scheduler.Options, run.Sigmas, run.Timesteps)
        {
            _scheduler = scheduler;
            _midpoints = run.Midpoints;
        }

        public override int Order => 2;

        // The second model call of a step sees the midpoint.
        protected override float InputSigma(int index) => _firstSample is null ? RunSigmas[index] : _midpoints[index];

        public override SchedulerStepOutput Step(Tensor modelOutput, float timestep, Tensor sample, IRandomSource? random = null)
        {
            PredictedSample.RequireSameShape(modelOutput, sample);
            int index = CurrentStep(timestep);
            bool first = _firstSample is null;
            float sigma = first ? RunSigmas[index] : RunSigmas[index - 1];
            float midpoint = first ? _midpoints[index + 1] : _midpoints[index];
            float sigmaNext = first ? RunSigmas[index + 1] : RunSigmas[index];

            ReadOnlySpan<float> x = sample.Span;
            float[] original = SigmaSpace.Original(_scheduler.PredictionType, modelOutput.Span, x, first ? sigma : midpoint, "KDPM2");
            var prev = new float[x.Length];
            if (first)
            {
                float dt = midpoint - sigma;
                for (int i = 0; i < x.Length; i++)
                {
                    prev[i] = x[i] + ((x[i] - original[i]) / sigma * dt);
                }

                _firstSample = x.ToArray();
            }
            else
            {
                float dt = sigmaNext - sigma;
                float[] start = _firstSample!;
                for (int i = 0; i < x.Length; i++)
                {
                    prev[i] = start[i] + ((x[i] - original[i]) / midpoint * dt);
                }

                _firstSample = null;
            }

            Advance(index);
            return new SchedulerStepOutput(new Tensor(prev, sample.GetShape()), new Tensor(original, sample.GetShape()));
        }
    }
}
