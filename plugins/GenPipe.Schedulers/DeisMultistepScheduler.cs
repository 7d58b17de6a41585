using GenPipe.Abstractions.Models;
using GenPipe.Tensors;

namespace GenPipe.Schedulers;

/// <summary>
/// DEIS: Zhang and Chen (2023), "Fast Sampling of Diffusion Models with Exponential Integrator", the multistep
/// "tAB" solver in rho = sigma_t / alpha_t: the noise prediction eps(rho) is extrapolated by the Lagrange polynomial
/// in ln rho through the last k steps and integrated exactly,
/// <code>
///   x_t / alpha_t = x_s / alpha_s + sum_j c_j eps_j,   c_j = integral from rho_s to rho_t of l_j(ln rho) d rho
/// </code>
/// (first order: x_t = (alpha_t / alpha_s) x_s - sigma_t (e^h - 1) eps_s). Reproduces diffusers' DEISMultistepScheduler.
/// </summary>
public sealed class DeisMultistepScheduler : DiffusersScheduler<DeisMultistepSchedulerOptions>
{
    /// <summary>The component id.</summary>
    public const string ComponentId = "scheduler/deis";

    /// <summary>Creates the scheduler.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public DeisMultistepScheduler(DeisMultistepSchedulerOptions options)
        : base(options, ComponentId, finiteTerminalSigma: false)
    {
    }

    /// <inheritdoc />
    public override ISchedulerSession SetTimesteps(int numInferenceSteps)
    {
        double[] timesteps = SolverSchedule.SpacedTimesteps(Options, numInferenceSteps, Options.NumTrainTimesteps);
        // DEIS never lands on sigma 0: it ends at the training minimum, or repeats a Karras schedule's last sigma.
        var final = Options.UseKarrasSigmas || Options.UseExponentialSigmas ? FinalSigma.RepeatLast : FinalSigma.TrainingMin;
        return new Session(this, SolverSchedule.Build(Options, TrainingAlphasCumprod, timesteps, final, roundKarras: true));
    }

    private sealed class Session(DeisMultistepScheduler scheduler, SolverSchedule schedule) : SolverSession(schedule)
    {
        // The noise predictions of the last steps, newest last.
        private readonly List<float[]> _history = [];

        public override SchedulerStepOutput Step(Tensor modelOutput, float timestep, Tensor sample, IRandomSource? random = null)
        {
            PredictedSample.RequireSameShape(modelOutput, sample);
            var options = scheduler.Options;
            int index = Counter.Current(timestep);
            int count = Schedule.Timesteps.Length;
            bool shortRun = options.LowerOrderFinal && count < 15;
            float[] sigmas = Schedule.Sigmas;

            // DEIS integrates the noise prediction, recomputed from the (possibly thresholded) data prediction.
            float[] x0 = SolverMath.DataPrediction(scheduler.PredictionType, modelOutput.Span, sample.Span, sigmas[index]);
            options.ThresholdPrediction(x0, sample.Shape);
            _history.Add(SolverMath.NoisePrediction(x0, sample.Span, sigmas[index]));
            if (_history.Count > options.SolverOrder)
            {
                _history.RemoveAt(0);
            }

            int previous = _history.Count - 1;
            float[] x = sample.Span.ToArray();
            float[] prev;
            if (options.SolverOrder == 1 || previous < 1 || (index == count - 1 && shortRun))
            {
                var (alphaT, sigmaT) = SolverSchedule.AlphaSigma(sigmas[index + 1]);
                var (alphaS, _) = SolverSchedule.AlphaSigma(sigmas[index]);
                float h = SolverSchedule.Lambda(sigmas[index + 1]) - SolverSchedule.Lambda(sigmas[index]);
                prev = SolverMath.Sum((alphaT / alphaS, x), (-(sigmaT * (MathF.Exp(h) - 1f)), _history[^1]));
            }
            else
            {
                int order = options.SolverOrder == 2 || previous < 2 || (index == count - 2 && shortRun) ? 2 : 3;
                prev = Multistep(index, order, x);
            }

            Counter.Advance();
            return new SchedulerStepOutput(new Tensor(prev, sample.GetShape()), new Tensor(x0, sample.GetShape()));
        }

        private float[] Multistep(int index, int order, float[] x)
        {
            float[] sigmas = Schedule.Sigmas;
            var (alphaT, _) = SolverSchedule.AlphaSigma(sigmas[index + 1]);
            var (alphaS0, _) = SolverSchedule.AlphaSigma(sigmas[index]);
            float rhoT = Rho(sigmas[index + 1]);
            float rho0 = Rho(sigmas[index]);
            float rho1 = Rho(sigmas[index - 1]);
            float[] terms;
            if (order == 2)
            {
                float c1 = Lagrange2(rhoT, rho0, rho1) - Lagrange2(rho0, rho0, rho1);
                float c2 = Lagrange2(rhoT, rho1, rho0) - Lagrange2(rho0, rho1, rho0);
                terms = Accumulate(x, alphaS0, (c1, _history[^1]), (c2, _history[^2]));
            }
            else
            {
                float rho2 = Rho(sigmas[index - 2]);
                float c1 = Lagrange3(rhoT, rho0, rho1, rho2) - Lagrange3(rho0, rho0, rho1, rho2);
                float c2 = Lagrange3(rhoT, rho1, rho2, rho0) - Lagrange3(rho0, rho1, rho2, rho0);
                float c3 = Lagrange3(rhoT, rho2, rho0, rho1) - Lagrange3(rho0, rho2, rho0, rho1);
                terms = Accumulate(x, alphaS0, (c1, _history[^1]), (c2, _history[^2]), (c3, _history[^3]));
            }

            for (int i = 0; i < terms.Length; i++)
            {
                terms[i] *= alphaT;
            }

            return terms;
        }

        // x / alpha_s + sum c_j eps_j, elementwise, in diffusers' order.
        private static float[] Accumulate(float[] x, float alphaS, params (float C, float[] Eps)[] terms)
        {
            var result = new float[x.Length];
            for (int i = 0; i < result.Length; i++)
            {
                float value = x[i] / alphaS;
                foreach (var (c, eps) in terms)
                {
                    value += c * eps[i];
                }

                result[i] = value;
            }

            return result;
        }

        private static float Rho(float sigma)
        {
            var (alpha, sigmaT) = SolverSchedule.AlphaSigma(sigma);
            return sigmaT / alpha;
        }

        // The antiderivative in rho of the linear Lagrange basis polynomial in ln rho that is 1 at b and 0 at c.
        private static float Lagrange2(float t, float b, float c) =>
            t * (-MathF.Log(c) + MathF.Log(t) - 1f) / (MathF.Log(b) - MathF.Log(c));

        // The antiderivative in rho of the quadratic Lagrange basis polynomial in ln rho that is 1 at b, 0 at c and d.
        private static float Lagrange3(float t, float b, float c, float d)
        {
            float lt = MathF.Log(t);
            float lb = MathF.Log(b);
            float lc = MathF.Log(c);
            float ld = MathF.Log(d);
            float numerator = t * ((lc * (ld - lt + 1f)) - (ld * lt) + ld + (lt * lt) - (2f * lt) + 2f);
            return numerator / ((lb - lc) * (lb - ld));
        }
    }
}
