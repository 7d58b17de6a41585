using GenPipe.Abstractions.Models;
using GenPipe.Tensors;

namespace GenPipe.Schedulers;

/// <summary>
/// UniPC: Zhao et al. (2023), "UniPC: A Unified Predictor-Corrector Framework for Fast Sampling of Diffusion
/// Models", Algorithms 1-2 (data prediction, h = lambda_t - lambda_s, hh = -h):
/// <code>
///   UniP-k:  x_t = (sigma_t / sigma_s) x_s - alpha_t (e^hh - 1) m_s - alpha_t B(h) sum_j a_j D_j,   D_j = (m_j - m_s) / r_j
///   UniC-k:  the same from the previous sample, plus a_k (m_t - m_s) with the fresh model output m_t
/// </code>
/// where the a_j solve R a = b for phi-function moments b and B(h) is hh (bh1) or e^hh - 1 (bh2). Reproduces
/// diffusers' UniPCMultistepScheduler, with one deliberate difference: a first-order predictor has no correction
/// sum, and GenPipe omits the term rather than evaluating B(h) * 0. diffusers evaluates it, and with bh1 a final
/// sigma of 0 makes B(h) = -infinity, so its last sample is NaN; here it is the limit of every other B(h), the
/// data prediction (exactly what bh2 returns there). A step onto sigma 0 is always first order and returns that limit
/// directly, which also keeps <c>predict_x0 = false</c> finite there (diffusers: sigma_t * (e^h - 1) = 0 * inf).
/// </summary>
public sealed class UniPcMultistepScheduler : DiffusersScheduler<UniPcMultistepSchedulerOptions>
{
    /// <summary>The component id.</summary>
    public const string ComponentId = "scheduler/unipc";

    /// <summary>Creates the scheduler.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public UniPcMultistepScheduler(UniPcMultistepSchedulerOptions options)
        : base(options, ComponentId, finiteTerminalSigma: true)
    {
    }

    /// <inheritdoc />
    public override ISchedulerSession SetTimesteps(int numInferenceSteps)
    {
        var options = Options;
        double[] timesteps = SolverSchedule.SpacedTimesteps(options, numInferenceSteps, options.NumTrainTimesteps);
        bool spaced = options.UseKarrasSigmas || options.UseExponentialSigmas;
        var final = options.FinalSigmasType == "zero" ? FinalSigma.Zero : spaced ? FinalSigma.RepeatLast : FinalSigma.TrainingMin;
        var schedule = SolverSchedule.Build(options, TrainingAlphasCumprod, timesteps, final, roundKarras: true, options.SigmaMin, options.SigmaMax);
        return new Session(this, schedule);
    }

    private sealed class Session(UniPcMultistepScheduler scheduler, SolverSchedule schedule) : SolverSession(schedule)
    {
        // The converted model outputs of the last steps, newest last.
        private readonly List<float[]> _history = [];
        private float[]? _lastSample;
        private int _lastOrder;

        private UniPcMultistepSchedulerOptions Options => scheduler.Options;

        public override SchedulerStepOutput Step(Tensor modelOutput, float timestep, Tensor sample, IRandomSource? random = null)
        {
            PredictedSample.RequireSameShape(modelOutput, sample);
            var options = Options;
            int index = Counter.Current(timestep);
            float sigma = Schedule.Sigmas[index];
            float[] x0 = SolverMath.DataPrediction(scheduler.PredictionType, modelOutput.Span, sample.Span, sigma);
            float[] converted;
            if (options.PredictX0)
            {
                options.ThresholdPrediction(x0, sample.Shape);
                converted = x0;
            }
            else
            {
                converted = scheduler.PredictionType == PredictionType.Epsilon
                    ? modelOutput.Span.ToArray()
                    : SolverMath.NoisePrediction(x0, sample.Span, sigma);
            }

            float[] x = sample.Span.ToArray();
            if (index > 0 && _lastSample is not null && !options.DisableCorrector.Contains(index - 1))
            {
                x = Update(index - 1, _lastOrder, _lastSample, converted);
            }

            _history.Add(converted);
            if (_history.Count > options.SolverOrder)
            {
                _history.RemoveAt(0);
            }

            int order = options.LowerOrderFinal ? Math.Min(options.SolverOrder, Schedule.Timesteps.Length - index) : options.SolverOrder;
            order = Math.Min(order, _history.Count);
            if (Schedule.Sigmas[index + 1] == 0)
            {
                order = 1;
            }

            _lastOrder = order;
            _lastSample = x;
            float[] prev = Update(index, order, x, corrector: null);
            Counter.Advance();
            return new SchedulerStepOutput(new Tensor(prev, sample.GetShape()), new Tensor(x0, sample.GetShape()));
        }

        /// <summary>
        /// One UniP step from sigma[from] to sigma[from + 1] at <paramref name="order"/>, or, given the model output
        /// at the target (<paramref name="corrector"/>), the UniC correction of that step.
        /// </summary>
        private float[] Update(int from, int order, float[] x, float[]? corrector)
        {
            float[] sigmas = Schedule.Sigmas;
            bool predictX0 = Options.PredictX0;
            var (alphaT, sigmaT) = SolverSchedule.AlphaSigma(sigmas[from + 1]);
            var (alphaS0, sigmaS0) = SolverSchedule.AlphaSigma(sigmas[from]);
            float lambdaS0 = SolverSchedule.Lambda(sigmas[from]);
            float h = SolverSchedule.Lambda(sigmas[from + 1]) - lambdaS0;

            // Both run with the output at sigma[from] newest in the history (the corrector before the new one joins).
            float[] m0 = _history[^1];
            if (corrector is null && sigmas[from + 1] == 0)
            {
                // Onto sigma 0 the first-order step is the data prediction; the formulas would give -inf * 0 (bh1, or
                // sigma_t * (e^h - 1) in the noise parameterisation), so evaluate the limit directly.
                return predictX0 ? (float[])m0.Clone() : [.. x.Select((value, i) => (value - (sigmaS0 * m0[i])) / alphaS0)];
            }

            var rks = new double[order];
            var differences = new List<float[]>();
            for (int j = 1; j < order; j++)
            {
                float rk = (SolverSchedule.Lambda(sigmas[from - j]) - lambdaS0) / h;
                rks[j - 1] = rk;
                float[] mj = _history[^(1 + j)];
                var d = new float[m0.Length];
                for (int i = 0; i < d.Length; i++)
                {
                    d[i] = (mj[i] - m0[i]) / rk;
                }

                differences.Add(d);
            }

            rks[order - 1] = 1;
            float hh = predictX0 ? -h : h;
            float phi1 = (float)(Math.Exp(hh) - 1.0);
            float bh = Options.SolverType == "bh1" ? hh : phi1;
            double[] rhos = Coefficients(rks, order, hh, phi1, bh, corrector is not null);

            float scaleX = predictX0 ? sigmaT / sigmaS0 : alphaT / alphaS0;
            float outer = predictX0 ? alphaT : sigmaT;
            float scaleM0 = outer * phi1;
            float scaleSum = outer * bh;
            var result = new float[x.Length];
            for (int i = 0; i < result.Length; i++)
            {
                float value = (scaleX * x[i]) - (scaleM0 * m0[i]);
                float sum = 0;
                for (int k = 0; k < differences.Count; k++)
                {
                    sum = k == 0 ? (float)rhos[0] * differences[0][i] : sum + ((float)rhos[k] * differences[k][i]);
                }

                if (corrector is not null)
                {
                    sum += (float)rhos[^1] * (corrector[i] - m0[i]);
                    value -= scaleSum * sum;
                }
                else if (differences.Count > 0)
                {
                    value -= scaleSum * sum;
                }

                result[i] = value;
            }

            return result;
        }

        /// <summary>
        /// The weights a_j: R a = b with R_ij = r_j^i and b_i = i! phi_(i+1)(hh) / B(h) (the predictor uses the
        /// leading block without the target; orders 1 (corrector) and 2 (predictor) use 1/2 as diffusers does).
        /// </summary>
        private static double[] Coefficients(double[] rks, int order, float hh, float phi1, float bh, bool corrector)
        {
            var b = new double[order];
            float phiK = (phi1 / hh) - 1f;
            float factorial = 1;
            for (int i = 1; i <= order; i++)
            {
                b[i - 1] = phiK * factorial / bh;
                factorial *= i + 1;
                phiK = (phiK / hh) - (1f / factorial);
            }

            if (corrector)
            {
                return order == 1 ? [0.5] : Solve(rks, b, order);
            }

            return order switch
            {
                1 => [],
                2 => [0.5],
                _ => Solve(rks, b, order - 1),
            };
        }

        /// <summary>Solves the n x n Vandermonde system sum_j r_j^i a_j = b_i (i = 0..n-1) by Gaussian elimination.</summary>
        private static double[] Solve(double[] rks, double[] b, int n)
        {
            var a = new double[n, n + 1];
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    a[i, j] = Math.Pow(rks[j], i);
                }

                a[i, n] = b[i];
            }

            for (int col = 0; col < n; col++)
            {
                int pivot = col;
                for (int row = col + 1; row < n; row++)
                {
                    if (Math.Abs(a[row, col]) > Math.Abs(a[pivot, col]))
                    {
                        pivot = row;
                    }
                }

                for (int k = 0; k <= n; k++)
                {
                    (a[col, k], a[pivot, k]) = (a[pivot, k], a[col, k]);
                }

                for (int row = 0; row < n; row++)
                {
                    if (row != col)
                    {
                        double f = a[row, col] / a[col, col];
                        for (int k = col; k <= n; k++)
                        {
                            a[row, k] -= f * a[col, k];
                        }
                    }
                }
            }

            var x = new double[n];
            for (int i = 0; i < n; i++)
            {
                x[i] = a[i, n] / a[i, i];
            }

            return x;
        }
    }
}
