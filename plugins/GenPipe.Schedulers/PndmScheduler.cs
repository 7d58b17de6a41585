using GenPipe.Abstractions.Models;
using GenPipe.Tensors;

namespace GenPipe.Schedulers;

/// <summary>
/// Pseudo numerical methods for diffusion models (Liu et al., 2022, "PNDM"): a classical ODE method applied to the
/// noise estimate, with DDIM's transfer function as the step (eq. 11),
/// <code>
///   phi(x, e, t -> t') = sqrt(a_t' / a_t) x - (a_t' - a_t) e / (a_t sqrt(1 - a_t') + sqrt(a_t (1 - a_t) a_t'))
/// </code>
/// The linear multistep part (PLMS, eq. 12) combines the last four noise estimates, e' = (55 e_0 - 59 e_1 + 37 e_2 -
/// 9 e_3) / 24. It is warmed up either by three pseudo Runge-Kutta steps (four model calls each, through the
/// half-step timesteps) or, with <c>skip_prk_steps</c>, by a second-order first step (the model is called at the
/// first timestep twice, so a run has one timestep more than steps) and lower-order Adams-Bashforth steps.
/// Reproduces diffusers' PNDMScheduler.
/// </summary>
public sealed class PndmScheduler : DiffusersScheduler<PndmSchedulerOptions>
{
    /// <summary>The component id.</summary>
    public const string ComponentId = "scheduler/pndm";

    private const int RungeKuttaWarmUp = 4;

    private readonly float _finalAlphaCumprod;

    /// <summary>Creates the scheduler.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public PndmScheduler(PndmSchedulerOptions options)
        : base(options, ComponentId, finiteTerminalSigma: false)
    {
        _finalAlphaCumprod = options.SetAlphaToOne ? 1f : TrainingAlphasCumprod[0];
    }

    /// <inheritdoc />
    public override ISchedulerSession SetTimesteps(int numInferenceSteps) => new Session(this, numInferenceSteps);

    /// <summary>
    /// The run's timesteps: the pseudo Runge-Kutta part (each of the last four grid points and its half step, in
    /// diffusers' order) and the PLMS part, or with <c>skip_prk_steps</c> the grid with its second point
    /// repeated. Runs of fewer than four steps cannot warm up with Runge-Kutta (diffusers fails there) and skip it.
    /// </summary>
    private (int[] RungeKutta, int[] Plms) Schedule(int steps)
    {
        float[] descending = TimestepSpacing.WholeTimesteps(Options, steps);
        int[] grid = [.. descending.Reverse().Select(t => (int)t)];
        if (Options.SkipPrkSteps || steps < RungeKuttaWarmUp)
        {
            int[] plms = grid.Length == 1 ? grid : [.. grid[..^1], grid[^2], grid[^1]];
            Array.Reverse(plms);
            return ([], plms);
        }

        int half = Options.NumTrainTimesteps / steps / 2;
        if (grid[^1] + half > Options.NumTrainTimesteps - 1)
        {
            throw new ArgumentOutOfRangeException(
                nameof(steps), steps,
                $"With steps_offset={Options.StepsOffset}, {steps} steps put the first Runge-Kutta half step at timestep " +
                $"{grid[^1] + half}, past the last training step {Options.NumTrainTimesteps - 1}; use fewer steps, " +
                "skip_prk_steps, or timestep_spacing \"trailing\".");
        }

        // The last four grid points, each followed by its half step: g0, g0+h, g1, g1+h, ...
        int[] pairs = [.. grid[^RungeKuttaWarmUp..].SelectMany(g => new[] { g, g + half })];
        // All but the very last, each repeated, less the first and last copy.
        int[] repeated = [.. pairs[..^1].SelectMany(p => new[] { p, p })];
        int[] rungeKutta = repeated[1..^1];
        Array.Reverse(rungeKutta);
        int[] rest = grid[..^3];
        Array.Reverse(rest);
        return (rungeKutta, rest);
    }

    /// <summary>phi of the PNDM paper, eq. 11, from <paramref name="timestep"/> to <paramref name="previous"/>.</summary>
    private float[] Transfer(ReadOnlySpan<float> sample, int timestep, int previous, ReadOnlySpan<float> modelOutput)
    {
        float alpha = TrainingAlphasCumprod[timestep];
        float alphaPrev = previous >= 0 ? TrainingAlphasCumprod[previous] : _finalAlphaCumprod;
        float beta = 1f - alpha;
        float betaPrev = 1f - alphaPrev;
        float sampleCoefficient = MathF.Sqrt(alphaPrev / alpha);
        float denominator = (alpha * MathF.Sqrt(betaPrev)) + MathF.Sqrt(alpha * beta * alphaPrev);
        float difference = alphaPrev - alpha;
        float sqrtAlpha = MathF.Sqrt(alpha);
        float sqrtBeta = MathF.Sqrt(beta);
        var prev = new float[sample.Length];
        for (int i = 0; i < prev.Length; i++)
        {
            // v-prediction is turned into the noise estimate first: eps = sqrt(a) v + sqrt(1 - a) x.
            float e = PredictionType == PredictionType.VPrediction ? (sqrtAlpha * modelOutput[i]) + (sqrtBeta * sample[i]) : modelOutput[i];
            prev[i] = (sampleCoefficient * sample[i]) - (difference * e / denominator);
        }

        return prev;
    }

    private sealed class Session : SchedulerSession
    {
        private readonly PndmScheduler _scheduler;
        private readonly int[] _rungeKutta;
        private readonly float[] _timesteps;
        private readonly int _ratio;
        private readonly List<float[]> _noiseEstimates = [];
        private int _counter;
        private float[]? _currentSample;
        private float[]? _currentModelOutput;

        public Session(PndmScheduler scheduler, int steps)
        {
            _scheduler = scheduler;
            int[] plms;
            (_rungeKutta, plms) = scheduler.Schedule(steps);
            _timesteps = [.. _rungeKutta.Concat(plms).Select(t => (float)t)];
            _ratio = scheduler.Options.NumTrainTimesteps / steps;
        }

        public override IReadOnlyList<float> Timesteps => _timesteps;

        public override SchedulerStepOutput Step(Tensor modelOutput, float timestep, Tensor sample, IRandomSource? random = null)
        {
            PredictedSample.RequireSameShape(modelOutput, sample);
            SigmaSpace.RequireStepLeft(_counter, _timesteps.Length);
            int t = (int)timestep;
            float[] prev = _counter < _rungeKutta.Length
                ? RungeKuttaStep(modelOutput.Span.ToArray(), t, sample.Span)
                : LinearMultistep(modelOutput.Span.ToArray(), t, sample.Span.ToArray());
            _counter++;
            return new SchedulerStepOutput(new Tensor(prev, sample.GetShape()));
        }

        // Pseudo Runge-Kutta (PNDM paper, eq. 13): four evaluations per step, weighted 1/6, 1/3, 1/3, 1/6.
        private float[] RungeKuttaStep(float[] modelOutput, int timestep, ReadOnlySpan<float> sample)
        {
            int toPrevious = _counter % 2 == 1 ? 0 : _ratio / 2;
            int previous = timestep - toPrevious;
            int start = _rungeKutta[_counter / 4 * 4];
            int stage = _counter % 4;
            float[] output = modelOutput;
            if (stage == 0)
            {
                _currentModelOutput = Accumulate(null, 1f / 6f, modelOutput);
                _noiseEstimates.Add(modelOutput);
                _currentSample = sample.ToArray();
            }
            else if (stage is 1 or 2)
            {
                _currentModelOutput = Accumulate(_currentModelOutput, 1f / 3f, modelOutput);
            }
            else
            {
                output = Accumulate(_currentModelOutput, 1f / 6f, modelOutput);
                _currentModelOutput = null;
            }

            return _scheduler.Transfer(_currentSample ?? sample, start, previous, output);
        }

        // total + weight * value, elementwise (a fresh array; total null counts as 0).
        private static float[] Accumulate(float[]? total, float weight, float[] value)
        {
            var result = new float[value.Length];
            for (int i = 0; i < result.Length; i++)
            {
                result[i] = (total?[i] ?? 0f) + (weight * value[i]);
            }

            return result;
        }

        // PLMS (PNDM paper, eq. 12), with Adams-Bashforth of lower order while fewer estimates exist.
        private float[] LinearMultistep(float[] modelOutput, int timestep, float[] sample)
        {
            int previous = timestep - _ratio;
            if (_counter != 1)
            {
                if (_noiseEstimates.Count > 3)
                {
                    _noiseEstimates.RemoveRange(0, _noiseEstimates.Count - 3);
                }

                _noiseEstimates.Add(modelOutput);
            }
            else
            {
                // The repeated first timestep: the second evaluation, at the next grid point, corrects the first step.
                previous = timestep;
                timestep += _ratio;
            }

            var e = _noiseEstimates;
            int count = e.Count;
            float[] output = new float[modelOutput.Length];
            for (int i = 0; i < output.Length; i++)
            {
                output[i] = count switch
                {
                    1 when _counter == 0 => modelOutput[i],
                    1 => (modelOutput[i] + e[^1][i]) / 2f,
                    2 => ((3f * e[^1][i]) - e[^2][i]) / 2f,
                    3 => ((23f * e[^1][i]) - (16f * e[^2][i]) + (5f * e[^3][i])) / 12f,
                    _ => (float)(1.0 / 24) * ((55f * e[^1][i]) - (59f * e[^2][i]) + (37f * e[^3][i]) - (9f * e[^4][i])),
                };
            }

            if (count == 1 && _counter == 0)
            {
                _currentSample = sample;
            }
            else if (count == 1 && _counter == 1)
            {
                sample = _currentSample!;
                _currentSample = null;
            }

            return _scheduler.Transfer(sample, timestep, previous, output);
        }
    }
}
