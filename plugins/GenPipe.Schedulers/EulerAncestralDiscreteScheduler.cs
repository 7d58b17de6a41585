using GenPipe.Abstractions.Models;
using GenPipe.Tensors;

namespace GenPipe.Schedulers;

/// <summary>
/// Euler ancestral sampling (k-diffusion's <c>sample_euler_ancestral</c>, Karras et al., 2022 parameterisation): an
/// Euler step down to sigma_down, then fresh noise up to sigma_{i+1}, so each step is a draw from the reverse process:
/// <code>
///   sigma_up   = sqrt(sigma_{i+1}^2 * (sigma_i^2 - sigma_{i+1}^2) / sigma_i^2)
///   sigma_down = sqrt(sigma_{i+1}^2 - sigma_up^2)
///   x_next = x + (x - x_0) / sigma_i * (sigma_down - sigma_i) + sigma_up * z
/// </code>
/// One randn of the sample's shape per step, the last included. Reproduces diffusers' EulerAncestralDiscreteScheduler.
/// </summary>
public sealed class EulerAncestralDiscreteScheduler : KDiffusionScheduler<EulerAncestralDiscreteSchedulerOptions>
{
    /// <summary>The component id.</summary>
    public const string ComponentId = "scheduler/euler-ancestral";

    /// <summary>Creates the scheduler.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public EulerAncestralDiscreteScheduler(EulerAncestralDiscreteSchedulerOptions options)
        : base(options, ComponentId, finiteTerminalSigma: true)
    {
    }

    /// <inheritdoc />
    public override ISchedulerSession SetTimesteps(int numInferenceSteps) => new Session(this, Schedule(numInferenceSteps));

    /// <summary>The training sigmas at the run's timesteps, then 0, as diffusers' <c>set_timesteps</c> computes them.</summary>
    private (float[] Sigmas, float[] Timesteps) Schedule(int steps)
    {
        double[] timesteps = TrainingSigmas.Timesteps(Options, steps);
        return ([.. TrainingSigmas.At(timesteps).Select(s => (float)s), 0f], Array.ConvertAll(timesteps, t => (float)t));
    }

    private sealed class Session : KDiffusionSession
    {
        private readonly EulerAncestralDiscreteScheduler _scheduler;

        public Session(EulerAncestralDiscreteScheduler scheduler, (float[] Sigmas, float[] Timesteps) run)
            : base(scheduler.Options, run.Sigmas, run.Timesteps)
        {
            _scheduler = scheduler;
        }

        public override SchedulerStepOutput Step(Tensor modelOutput, float timestep, Tensor sample, IRandomSource? random = null)
        {
            PredictedSample.RequireSameShape(modelOutput, sample);
            int index = CurrentStep(timestep);
            var source = SigmaSpace.RequireRandom(random, "Euler ancestral");

            float sigma = RunSigmas[index];
            float sigmaNext = RunSigmas[index + 1];
            ReadOnlySpan<float> x = sample.Span;
            float[] original = SigmaSpace.Original(_scheduler.PredictionType, modelOutput.Span, x, sigma, "Euler ancestral");

            float sigmaUp = MathF.Sqrt(sigmaNext * sigmaNext * ((sigma * sigma) - (sigmaNext * sigmaNext)) / (sigma * sigma));
            // Non-negative in exact arithmetic (sigma_next^4 / sigma^2); float32 rounding may dip below zero.
            float sigmaDown = MathF.Sqrt(MathF.Max(0f, (sigmaNext * sigmaNext) - (sigmaUp * sigmaUp)));
            float dt = sigmaDown - sigma;
            ReadOnlySpan<float> z = source.Randn(sample.GetShape()).Span;
            var prev = new float[x.Length];
            for (int i = 0; i < x.Length; i++)
            {
                float derivative = (x[i] - original[i]) / sigma;
                prev[i] = x[i] + (derivative * dt);
                prev[i] += z[i] * sigmaUp;
            }

            Advance(index);
            return new SchedulerStepOutput(new Tensor(prev, sample.GetShape()), new Tensor(original, sample.GetShape()));
        }
    }
}
