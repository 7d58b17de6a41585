using GenPipe.Abstractions.Models;
using GenPipe.Tensors;

namespace GenPipe.Diffusion.Tests.Fakes;

/// <summary>
/// A minimal deterministic DDIM (Song et al. 2021, eta = 0) for tests only, with "trailing" timestep spacing
/// (t = N - 1, N - 1 - N/steps, ..., N/steps - 1) and alpha_bar = 1 after the last step, so the final step returns the
/// model's x0 estimate:
///   x0_hat = (x_t - sqrt(1 - abar_t) eps) / sqrt(abar_t)
///   x_prev = sqrt(abar_prev) x0_hat + sqrt(1 - abar_prev) eps.
/// The real schedulers live in the GenPipe.Schedulers plugin; this one only lets the diffuse operator be tested here.
/// </summary>
public sealed class DdimTestScheduler(IReadOnlyList<float> alphasCumprod, PredictionType predictionType = PredictionType.Epsilon) : IScheduler
{
    private readonly float[] _alphasCumprod = [.. alphasCumprod];

    public string Id => "scheduler/test-ddim";

    public PredictionType PredictionType { get; } = predictionType;

    public ReadOnlySpan<float> AlphasCumprod => _alphasCumprod;

    /// <summary>Every model output passed to <c>Step</c>, in order.</summary>
    public List<Tensor> ModelOutputs { get; } = [];

    /// <summary>
    /// When true, each <c>Step</c> draws one normal tensor of the sample's shape from the generator it is given, as an
    /// ancestral scheduler does, and records it in <see cref="StepNoise"/> (the update itself does not use it).
    /// </summary>
    public bool DrawsNoise { get; init; }

    /// <summary>The draws of each <c>Step</c> when <see cref="DrawsNoise"/> is set, in order.</summary>
    public List<Tensor> StepNoise { get; } = [];

    public ISchedulerSession SetTimesteps(int numInferenceSteps) => new Session(this, numInferenceSteps);

    public Tensor AddNoise(Tensor original, Tensor noise, float timestep)
    {
        double abar = _alphasCumprod[(int)timestep];
        var result = original.Clone();
        var r = result.Span;
        var n = noise.Span;
        for (int i = 0; i < r.Length; i++)
        {
            r[i] = (float)((Math.Sqrt(abar) * r[i]) + (Math.Sqrt(1 - abar) * n[i]));
        }

        return result;
    }

    private sealed class Session : ISchedulerSession
    {
        private readonly DdimTestScheduler _scheduler;
        private readonly int _stepRatio;

        public Session(DdimTestScheduler scheduler, int steps)
        {
            _scheduler = scheduler;
            int n = scheduler._alphasCumprod.Length;
            _stepRatio = n / steps;
            Timesteps = Enumerable.Range(0, steps).Select(i => (float)(n - 1 - (i * _stepRatio))).ToArray();
        }

        public IReadOnlyList<float> Timesteps { get; }

        public IReadOnlyList<float>? Sigmas => null;

        public float InitNoiseSigma => 1f;

        public int Order => 1;

        public Tensor ScaleModelInput(Tensor sample, float timestep) => sample;

        public SchedulerStepOutput Step(Tensor modelOutput, float timestep, Tensor sample, IRandomSource? random = null)
        {
            _scheduler.ModelOutputs.Add(modelOutput.Clone());
            if (_scheduler.DrawsNoise && random is not null)
            {
                _scheduler.StepNoise.Add(random.Randn(sample.GetShape()));
            }

            int t = (int)timestep;
            int previous = t - _stepRatio;
            double abar = _scheduler._alphasCumprod[t];
            double abarPrevious = previous >= 0 ? _scheduler._alphasCumprod[previous] : 1.0;
            var next = Tensor.Zeros(sample.GetShape());
            var predictedOriginal = Tensor.Zeros(sample.GetShape());
            var x = sample.Span;
            var eps = modelOutput.Span;
            for (int i = 0; i < x.Length; i++)
            {
                double x0 = (x[i] - (Math.Sqrt(1 - abar) * eps[i])) / Math.Sqrt(abar);
                predictedOriginal.Span[i] = (float)x0;
                next.Span[i] = (float)((Math.Sqrt(abarPrevious) * x0) + (Math.Sqrt(1 - abarPrevious) * eps[i]));
            }

            return new SchedulerStepOutput(next, predictedOriginal);
        }
    }
}
