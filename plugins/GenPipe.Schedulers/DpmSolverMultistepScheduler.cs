using GenPipe.Abstractions.Models;
using GenPipe.Tensors;

namespace GenPipe.Schedulers;

/// <summary>
/// DPM-Solver++ multistep: Lu et al. (2022), "DPM-Solver++: Fast Solver for Guided Sampling of Diffusion
/// Probabilistic Models", Algorithms 1-2, on the data prediction D = x_0 with lambda = ln(alpha_t / sigma_t),
/// h = lambda_t - lambda_s:
/// <code>
///   1st order:  x_t = (sigma_t / sigma_s) x_s - alpha_t (e^-h - 1) D_s
///   2M:         x_t = (sigma_t / sigma_s) x_s - alpha_t (e^-h - 1) (D_s + (D_s - D_prev) / (2 r)),   r = h_prev / h
///   SDE:        x_t = (sigma_t / sigma_s) e^-h x_s + alpha_t (1 - e^-2h) D + sigma_t sqrt(1 - e^-2h) z
/// </code>
/// with the 3M and Heun variants of diffusers. Reproduces diffusers' DPMSolverMultistepScheduler.
/// </summary>
public sealed class DpmSolverMultistepScheduler : DiffusersScheduler<DpmSolverMultistepSchedulerOptions>
{
    /// <summary>The component id.</summary>
    public const string ComponentId = "scheduler/dpmpp-multistep";

    /// <summary>Creates the scheduler.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public DpmSolverMultistepScheduler(DpmSolverMultistepSchedulerOptions options)
        : base(options, ComponentId, finiteTerminalSigma: true)
    {
    }

    private bool Stochastic => Options.AlgorithmType == "sde-dpmsolver++";

    /// <inheritdoc />
    public override ISchedulerSession SetTimesteps(int numInferenceSteps)
    {
        var options = Options;
        SolverSchedule.RequireSteps(options, numInferenceSteps);
        int last = SolverSchedule.LastTimestep(TrainingAlphasCumprod, options.LambdaMinClipped);
        double[] timesteps = SolverSchedule.SpacedTimesteps(options, numInferenceSteps, last);
        // diffusers rounds Karras timesteps to whole steps except under the cosine schedule (then truncates).
        var schedule = SolverSchedule.Build(
            options, TrainingAlphasCumprod, timesteps,
            options.FinalSigmasType == "zero" ? FinalSigma.Zero : FinalSigma.TrainingMin,
            roundKarras: options.BetaSchedule != "squaredcos_cap_v2");
        return new Session(this, schedule);
    }

    private sealed class Session(DpmSolverMultistepScheduler scheduler, SolverSchedule schedule) : SolverSession(schedule)
    {
        // The data predictions of the last steps, newest last.
        private readonly List<float[]> _history = [];

        public override SchedulerStepOutput Step(Tensor modelOutput, float timestep, Tensor sample, IRandomSource? random = null)
        {
            PredictedSample.RequireSameShape(modelOutput, sample);
            var options = scheduler.Options;
            int index = Counter.Current(timestep);
            int count = Schedule.Timesteps.Length;
            bool shortRun = options.LowerOrderFinal && count < 15;
            bool lowerOrderFinal = index == count - 1 && (options.EulerAtFinal || shortRun || options.FinalSigmasType == "zero");
            bool lowerOrderSecond = index == count - 2 && shortRun;

            float[] x0 = SolverMath.DataPrediction(scheduler.PredictionType, modelOutput.Span, sample.Span, Schedule.Sigmas[index]);
            options.ThresholdPrediction(x0, sample.Shape);
            _history.Add(x0);
            if (_history.Count > options.SolverOrder)
            {
                _history.RemoveAt(0);
            }

            float[]? noise = null;
            if (scheduler.Stochastic)
            {
                if (random is null)
                {
                    throw new ArgumentNullException(nameof(random), "sde-dpmsolver++ draws noise every step: pass a random source.");
                }

                noise = random.Randn(sample.GetShape()).Span.ToArray();
            }

            // The previous steps this one may use: diffusers counts them as lower_order_nums.
            int previous = _history.Count - 1;
            float[] x = sample.Span.ToArray();
            float[] prev;
            if (options.SolverOrder == 1 || previous < 1 || lowerOrderFinal)
            {
                prev = FirstOrder(index, x, x0, noise);
            }
            else if (options.SolverOrder == 2 || previous < 2 || lowerOrderSecond)
            {
                prev = SecondOrder(index, x, noise);
            }
            else
            {
                prev = ThirdOrder(index, x, noise);
            }

            Counter.Advance();
            return new SchedulerStepOutput(new Tensor(prev, sample.GetShape()), new Tensor(x0, sample.GetShape()));
        }

        private float[] FirstOrder(int index, float[] x, float[] d, float[]? noise)
        {
            var (alphaT, sigmaT) = SolverSchedule.AlphaSigma(Schedule.Sigmas[index + 1]);
            var (_, sigmaS) = SolverSchedule.AlphaSigma(Schedule.Sigmas[index]);
            float h = SolverSchedule.Lambda(Schedule.Sigmas[index + 1]) - SolverSchedule.Lambda(Schedule.Sigmas[index]);
            if (noise is null)
            {
                return SolverMath.Sum((sigmaT / sigmaS, x), (-(alphaT * (MathF.Exp(-h) - 1f)), d));
            }

            float decay = MathF.Exp(-2f * h);
            return SolverMath.Sum(
                (sigmaT / sigmaS * MathF.Exp(-h), x), (alphaT * (1f - decay), d), (sigmaT * MathF.Sqrt(1f - decay), noise));
        }

        private float[] SecondOrder(int index, float[] x, float[]? noise)
        {
            float[] sigmas = Schedule.Sigmas;
            var (alphaT, sigmaT) = SolverSchedule.AlphaSigma(sigmas[index + 1]);
            var (_, sigmaS0) = SolverSchedule.AlphaSigma(sigmas[index]);
            float lambdaT = SolverSchedule.Lambda(sigmas[index + 1]);
            float lambdaS0 = SolverSchedule.Lambda(sigmas[index]);
            float lambdaS1 = SolverSchedule.Lambda(sigmas[index - 1]);
            float[] m0 = _history[^1];
            float h = lambdaT - lambdaS0;
            float r0 = (lambdaS0 - lambdaS1) / h;
            float[] d1 = SolverMath.Difference(m0, _history[^2], r0);
            bool heun = scheduler.Options.SolverType == "heun";
            if (noise is null)
            {
                float phi = alphaT * (MathF.Exp(-h) - 1f);
                float d1Scale = heun ? alphaT * (((MathF.Exp(-h) - 1f) / h) + 1f) : -(0.5f * phi);
                return SolverMath.Sum((sigmaT / sigmaS0, x), (-phi, m0), (d1Scale, d1));
            }

            float decay = MathF.Exp(-2f * h);
            float sdePhi = alphaT * (1f - decay);
            float sdeD1Scale = heun ? alphaT * (((1f - decay) / (-2f * h)) + 1f) : 0.5f * sdePhi;
            return SolverMath.Sum(
                (sigmaT / sigmaS0 * MathF.Exp(-h), x), (sdePhi, m0), (sdeD1Scale, d1), (sigmaT * MathF.Sqrt(1f - decay), noise));
        }

        private float[] ThirdOrder(int index, float[] x, float[]? noise)
        {
            float[] sigmas = Schedule.Sigmas;
            var (alphaT, sigmaT) = SolverSchedule.AlphaSigma(sigmas[index + 1]);
            var (_, sigmaS0) = SolverSchedule.AlphaSigma(sigmas[index]);
            float lambdaT = SolverSchedule.Lambda(sigmas[index + 1]);
            float lambdaS0 = SolverSchedule.Lambda(sigmas[index]);
            float lambdaS1 = SolverSchedule.Lambda(sigmas[index - 1]);
            float lambdaS2 = SolverSchedule.Lambda(sigmas[index - 2]);
            float[] m0 = _history[^1];
            float[] m1 = _history[^2];
            float[] m2 = _history[^3];
            float h = lambdaT - lambdaS0;
            float r0 = (lambdaS0 - lambdaS1) / h;
            float r1 = (lambdaS1 - lambdaS2) / h;
            float[] d10 = SolverMath.Difference(m0, m1, r0);
            float[] d11 = SolverMath.Difference(m1, m2, r1);
            float[] d10MinusD11 = SolverMath.Sum((1f, d10), (-1f, d11));
            float[] d1 = SolverMath.Sum((1f, d10), (r0 / (r0 + r1), d10MinusD11));
            float[] d2 = SolverMath.Sum((1f / (r0 + r1), d10MinusD11));
            if (noise is null)
            {
                float e = MathF.Exp(-h);
                return SolverMath.Sum(
                    (sigmaT / sigmaS0, x),
                    (-(alphaT * (e - 1f)), m0),
                    (alphaT * (((e - 1f) / h) + 1f), d1),
                    (-(alphaT * (((e - 1f + h) / (h * h)) - 0.5f)), d2));
            }

            float decay = MathF.Exp(-2f * h);
            return SolverMath.Sum(
                (sigmaT / sigmaS0 * MathF.Exp(-h), x),
                (alphaT * (1f - decay), m0),
                (alphaT * (((1f - decay) / (-2f * h)) + 1f), d1),
                (alphaT * (((1f - decay - (2f * h)) / ((2f * h) * (2f * h))) - 0.5f), d2),
                (sigmaT * MathF.Sqrt(1f - decay), noise));
        }
    }
}
