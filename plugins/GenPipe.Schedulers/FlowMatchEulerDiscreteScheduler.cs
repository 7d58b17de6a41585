using GenPipe.Abstractions.Models;
using GenPipe.Tensors;

namespace GenPipe.Schedulers;

/// <summary>
/// Euler's method for rectified-flow models (Liu et al., 2022; Esser et al., 2024, "SD3"): x_sigma = (1 - sigma) x_0 +
/// sigma * eps, the model predicts the velocity v = eps - x_0, and each step is
/// <code>
///   x_{i+1} = x_i + (sigma_{i+1} - sigma_i) * v
/// </code>
/// over sigmas spaced linearly in [sigma_min, 1] and shifted towards noise, statically (sigma' = s sigma / (1 + (s - 1)
/// sigma)) or by image size (sigma' = e^mu / (e^mu + 1/sigma - 1)). Timesteps are sigma * num_train_timesteps. With
/// <c>stochastic_sampling</c>, x_{i+1} = (1 - sigma_{i+1}) x_0 + sigma_{i+1} z with fresh noise z. Reproduces diffusers'
/// FlowMatchEulerDiscreteScheduler.
/// </summary>
public sealed class FlowMatchEulerDiscreteScheduler : IScheduler
{
    /// <summary>The component id.</summary>
    public const string ComponentId = "scheduler/flow-match-euler";

    private readonly float _sigmaMin;
    private readonly float _sigmaMax;

    /// <summary>Creates the scheduler.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public FlowMatchEulerDiscreteScheduler(FlowMatchEulerDiscreteSchedulerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ThrowIfInvalid();
        Options = options;
        // diffusers takes the range from the training sigmas t / N, t = 1..N, shifted unless shifting is dynamic (float32).
        int n = options.NumTrainTimesteps;
        _sigmaMin = TrainingSigma(1f / n);
        _sigmaMax = TrainingSigma(n / (float)n);
    }

    /// <summary>The configuration.</summary>
    public FlowMatchEulerDiscreteSchedulerOptions Options { get; }

    /// <inheritdoc />
    public string Id => ComponentId;

    /// <inheritdoc />
    public PredictionType PredictionType => PredictionType.Flow;

    /// <summary>None: flow matching has no variance-preserving schedule.</summary>
    public ReadOnlySpan<float> AlphasCumprod => [];

    /// <inheritdoc />
    public ISchedulerSession SetTimesteps(int numInferenceSteps) => new Session(this, numInferenceSteps);

    /// <summary>The forward process x = sigma * noise + (1 - sigma) * x_0 with sigma = timestep / num_train_timesteps.</summary>
    public Tensor AddNoise(Tensor original, Tensor noise, float timestep)
    {
        PredictedSample.RequireSameShape(noise, original);
        int n = Options.NumTrainTimesteps;
        if (!(timestep >= 0 && timestep <= n))
        {
            throw new ArgumentOutOfRangeException(nameof(timestep), timestep, $"add_noise needs a timestep in 0..{n}.");
        }

        float sigma = timestep / n;
        ReadOnlySpan<float> x = original.Span;
        ReadOnlySpan<float> eps = noise.Span;
        var result = new float[x.Length];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = (sigma * eps[i]) + ((1f - sigma) * x[i]);
        }

        return new Tensor(result, original.GetShape());
    }

    private float TrainingSigma(float sigma)
    {
        if (Options.UseDynamicShifting)
        {
            return sigma;
        }

        float shift = (float)Options.Shift;
        return shift * sigma / (1f + ((shift - 1f) * sigma));
    }

    /// <summary>The sigmas (a final 0, or 1 when inverted, appended) and timesteps of a run, as diffusers computes them.</summary>
    private (float[] Sigmas, float[] Timesteps) Schedule(int steps)
    {
        var options = Options;
        int n = options.NumTrainTimesteps;
        if (steps < 1 || steps > n)
        {
            throw new ArgumentOutOfRangeException(nameof(steps), steps, $"The number of inference steps must lie in 1..{n} (num_train_timesteps).");
        }

        double[] sigmas = Array.ConvertAll(TimestepSpacing.NumpyLinspace((double)_sigmaMax * n, (double)_sigmaMin * n, steps), t => t / n);
        if (options.UseDynamicShifting)
        {
            double mu = options.ResolvedMu() ?? throw new InvalidOperationException("use_dynamic_shifting needs mu.");
            double scale = options.TimeShiftType == "linear" ? mu : Math.Exp(mu);
            sigmas = Array.ConvertAll(sigmas, s => scale / (scale + ((1 / s) - 1)));
        }
        else
        {
            double shift = options.Shift;
            sigmas = Array.ConvertAll(sigmas, s => shift * s / (1 + ((shift - 1) * s)));
        }

        if (options.ShiftTerminal is { } terminal && terminal != 0)
        {
            // Stretch 1 - sigma so the schedule ends exactly at the terminal sigma.
            double scaleFactor = (1 - sigmas[^1]) / (1 - terminal);
            sigmas = Array.ConvertAll(sigmas, s => 1 - ((1 - s) / scaleFactor));
        }

        if (options.UseKarrasSigmas)
        {
            sigmas = TrainingSigmas.Karras(sigmas[^1], sigmas[0], steps);
        }
        else if (options.UseExponentialSigmas)
        {
            sigmas = TrainingSigmas.Exponential(sigmas[^1], sigmas[0], steps);
        }

        float[] run = Array.ConvertAll(sigmas, s => (float)s);
        if (options.InvertSigmas)
        {
            run = Array.ConvertAll(run, s => 1f - s);
        }

        float[] timesteps = Array.ConvertAll(run, s => s * n);
        return ([.. run, options.InvertSigmas ? 1f : 0f], timesteps);
    }

    private sealed class Session : SchedulerSession
    {
        private readonly FlowMatchEulerDiscreteScheduler _scheduler;
        private readonly float[] _sigmas;
        private readonly float[] _timesteps;
        private int? _stepIndex;

        public Session(FlowMatchEulerDiscreteScheduler scheduler, int steps)
        {
            _scheduler = scheduler;
            (_sigmas, _timesteps) = scheduler.Schedule(steps);
        }

        public override IReadOnlyList<float> Timesteps => _timesteps;

        public override IReadOnlyList<float>? Sigmas => _sigmas;

        public override SchedulerStepOutput Step(Tensor modelOutput, float timestep, Tensor sample, IRandomSource? random = null)
        {
            PredictedSample.RequireSameShape(modelOutput, sample);
            int index = _stepIndex ??= SigmaSpace.FirstStepIndex(_timesteps, timestep);
            SigmaSpace.RequireStepLeft(index, _timesteps.Length);
            float sigma = _sigmas[index];
            float sigmaNext = _sigmas[index + 1];
            ReadOnlySpan<float> x = sample.Span;
            ReadOnlySpan<float> v = modelOutput.Span;
            var original = new float[x.Length];
            for (int i = 0; i < x.Length; i++)
            {
                original[i] = x[i] - (sigma * v[i]);
            }

            var prev = new float[x.Length];
            if (_scheduler.Options.StochasticSampling)
            {
                ReadOnlySpan<float> z = SigmaSpace.RequireRandom(random, "Flow-match Euler with stochastic_sampling").Randn(sample.GetShape()).Span;
                for (int i = 0; i < x.Length; i++)
                {
                    prev[i] = ((1f - sigmaNext) * original[i]) + (sigmaNext * z[i]);
                }
            }
            else
            {
                float dt = sigmaNext - sigma;
                for (int i = 0; i < x.Length; i++)
                {
                    prev[i] = x[i] + (dt * v[i]);
                }
            }

            _stepIndex = index + 1;
            return new SchedulerStepOutput(new Tensor(prev, sample.GetShape()), new Tensor(original, sample.GetShape()));
        }
    }
}
