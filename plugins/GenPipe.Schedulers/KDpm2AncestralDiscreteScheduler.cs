using GenPipe.Abstractions.Models;
using GenPipe.Tensors;

namespace GenPipe.Schedulers;

/// <summary>
/// Ancestral DPM-Solver-2 (k-diffusion's <c>sample_dpm_2_ancestral</c>): each step splits sigma_{i+1} into the
/// deterministic part sigma_down and fresh noise sigma_up, as Euler ancestral does, and reaches sigma_down with the
/// midpoint rule of DPM-Solver-2 (midpoint sigma_mid = sqrt(sigma_i * sigma_down)):
/// <code>
///   sigma_up = sqrt(sigma_{i+1}^2 (sigma_i^2 - sigma_{i+1}^2) / sigma_i^2),  sigma_down = sqrt(sigma_{i+1}^2 - sigma_up^2)
///   x' = x_i + (x_i - x_0(x_i, sigma_i)) / sigma_i * (sigma_mid - sigma_i)
///   x_{i+1} = x_i + (x' - x_0(x', sigma_mid)) / sigma_mid * (sigma_down - sigma_i) + sigma_up * z
/// </code>
/// One randn of the sample's shape per completed step (at the second model call); the last step, to sigma = 0, is
/// Euler's and draws none. Reproduces diffusers' KDPM2AncestralDiscreteScheduler.
/// </summary>
public sealed class KDpm2AncestralDiscreteScheduler : KDiffusionScheduler<KDpm2AncestralDiscreteSchedulerOptions>
{
    /// <summary>The component id.</summary>
    public const string ComponentId = "scheduler/kdpm2-ancestral";

    /// <summary>Creates the scheduler.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public KDpm2AncestralDiscreteScheduler(KDpm2AncestralDiscreteSchedulerOptions options)
        : base(options, ComponentId, finiteTerminalSigma: false)
    {
    }

    /// <inheritdoc />
    public override ISchedulerSession SetTimesteps(int numInferenceSteps) => new Session(this, Schedule(numInferenceSteps));

    /// <summary>
    /// The run's sigmas, the midpoints below them and each step's sigma_up and sigma_down, interleaved, and the
    /// timesteps with each midpoint's between them, as diffusers' <c>set_timesteps</c> computes them.
    /// </summary>
    private (float[] Sigmas, float[] Midpoints, float[] Ups, float[] Downs, float[] Timesteps) Schedule(int steps)
    {
        var (sigmas, timesteps) = TrainingSigmas.Run(Options, steps, roundKarrasTimesteps: true);
        int n = sigmas.Length;
        var ups = new float[n];
        var downs = new float[n];
        var midpoints = new float[n];
        for (int i = 0; i < n; i++)
        {
            float s = sigmas[i];
            float next = i + 1 < n ? sigmas[i + 1] : 0f;
            ups[i] = MathF.Sqrt(next * next * ((s * s) - (next * next)) / (s * s));
            // next^2 - up^2 = next^4 / s^2 >= 0, but float32 rounding can make it slightly negative when next is tiny
            // (diffusers then takes the root of a negative number: NaN). Zero is the exact value there.
            downs[i] = i + 1 < n ? MathF.Sqrt(MathF.Max(0f, (next * next) - (ups[i] * ups[i]))) : 0f;
            // The last two midpoints (towards and at sigma = 0) are 0.
            midpoints[i] = i < n - 2 ? KDpm2Sigmas.LogMidpoint(s, downs[i]) : 0f;
        }

        var run = new List<float> { timesteps[0] };
        for (int i = 1; i < timesteps.Length; i++)
        {
            run.Add((float)TrainingSigmas.ToTimestep(midpoints[i - 1]));
            run.Add(timesteps[i]);
        }

        return (
            KDpm2Sigmas.Interleave(sigmas), KDpm2Sigmas.Interleave(midpoints), KDpm2Sigmas.Interleave(ups),
            KDpm2Sigmas.Interleave(downs), [.. run]);
    }

    private sealed class Session : KDiffusionSession
    {
        private readonly KDpm2AncestralDiscreteScheduler _scheduler;
        private readonly float[] _midpoints;
        private readonly float[] _ups;
        private readonly float[] _downs;

        // The sample at the start of a step, kept between its two model calls.
        private float[]? _firstSample;

        public Session(KDpm2AncestralDiscreteScheduler scheduler, (float[] Sigmas, float[] Midpoints, float[] Ups, float[] Downs, float[] Timesteps) run)
            : base(scheduler.Options, run.Sigmas, run.Timesteps)
        {
            _scheduler = scheduler;
            _midpoints = run.Midpoints;
            _ups = run.Ups;
            _downs = run.Downs;
        }

        public override int Order => 2;

        // The second model call of a step sees the midpoint.
        protected override float InputSigma(int index) => _firstSample is null ? RunSigmas[index] : _midpoints[index - 1];

        public override SchedulerStepOutput Step(Tensor modelOutput, float timestep, Tensor sample, IRandomSource? random = null)
        {
            PredictedSample.RequireSameShape(modelOutput, sample);
            int index = CurrentStep(timestep);
            bool first = _firstSample is null;
            // The step's own entry of the interleaved arrays: this call's on the first model call, the previous one's on the second.
            int at = first ? index : index - 1;
            float sigma = RunSigmas[at];
            float midpoint = _midpoints[at];

            ReadOnlySpan<float> x = sample.Span;
            float[] original = SigmaSpace.Original(_scheduler.PredictionType, modelOutput.Span, x, first ? sigma : midpoint, "KDPM2 ancestral");
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
                ReadOnlySpan<float> z = SigmaSpace.RequireRandom(random, "KDPM2 ancestral").Randn(sample.GetShape()).Span;
                float dt = _downs[at] - sigma;
                float up = _ups[at];
                float[] start = _firstSample!;
                for (int i = 0; i < x.Length; i++)
                {
                    prev[i] = start[i] + ((x[i] - original[i]) / midpoint * dt);
                    prev[i] += z[i] * up;
                }

                _firstSample = null;
            }

            Advance(index);
            return new SchedulerStepOutput(new Tensor(prev, sample.GetShape()), new Tensor(original, sample.GetShape()));
        }
    }
}
