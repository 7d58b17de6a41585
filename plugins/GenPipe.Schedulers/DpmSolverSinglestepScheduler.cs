using GenPipe.Abstractions.Models;
using GenPipe.Tensors;

namespace GenPipe.Schedulers;

/// <summary>
/// DPM-Solver++ singlestep: Lu et al. (2022), "DPM-Solver++", the singlestep variant (Algorithm 1 of "DPM-Solver",
/// in the data prediction). The run is cut into groups of k steps (orders 1, 2, ..., k); each group starts from the
/// sample at its first sigma and the k-th step jumps from there to the group's end using all k model outputs:
/// <code>
///   order 2:  x_t = (sigma_t / sigma_s1) x_s1 - alpha_t (e^-h - 1) (D_s1 + (D_s0 - D_s1) / (2 r)),   h = lambda_t - lambda_s1
/// </code>
/// Reproduces diffusers' DPMSolverSinglestepScheduler, which ignores <c>timestep_spacing</c>.
/// </summary>
public sealed class DpmSolverSinglestepScheduler : DiffusersScheduler<DpmSolverSinglestepSchedulerOptions>
{
    /// <summary>The component id.</summary>
    public const string ComponentId = "scheduler/dpmpp-singlestep";

    /// <summary>Creates the scheduler.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public DpmSolverSinglestepScheduler(DpmSolverSinglestepSchedulerOptions options)
        : base(options, ComponentId, finiteTerminalSigma: false)
    {
    }

    /// <inheritdoc />
    public override ISchedulerSession SetTimesteps(int numInferenceSteps)
    {
        var options = Options;
        SolverSchedule.RequireSteps(options, numInferenceSteps);
        int last = SolverSchedule.LastTimestep(TrainingAlphasCumprod, options.LambdaMinClipped);
        double[] timesteps = SolverSchedule.Linspace(last, numInferenceSteps);
        var final = options.FinalSigmasType == "zero" ? FinalSigma.Zero : FinalSigma.TrainingMin;
        var schedule = SolverSchedule.Build(options, TrainingAlphasCumprod, timesteps, final, roundKarras: true);
        return new Session(this, schedule, Orders(numInferenceSteps));
    }

    /// <summary>
    /// The order of each step: repeated 1, 2, ..., k groups; with <c>lower_order_final</c> (implied by an uneven
    /// step count or a final sigma of 0, as diffusers forces it) the tail is a shorter group, and a final sigma of 0
    /// makes the last step first order.
    /// </summary>
    private int[] Orders(int steps)
    {
        int order = Options.SolverOrder;
        bool zeroFinal = Options.FinalSigmasType == "zero";
        bool lowerOrderFinal = Options.LowerOrderFinal || steps % order != 0 || zeroFinal;
        var orders = new List<int>();
        if (lowerOrderFinal && order == 3)
        {
            int groups = steps % 3 == 0 ? (steps / 3) - 1 : steps / 3;
            for (int g = 0; g < groups; g++)
            {
                orders.AddRange([1, 2, 3]);
            }

            int[] tail = (steps % 3) switch { 0 => [1, 2, 1], 1 => [1], _ => [1, 2] };
            orders.AddRange(tail);
        }
        else if (lowerOrderFinal && order == 2)
        {
            int groups = steps % 2 == 0 ? (steps / 2) - 1 : steps / 2;
            for (int g = 0; g < groups; g++)
            {
                orders.AddRange([1, 2]);
            }

            int[] tail = steps % 2 == 0 ? [1, 1] : [1];
            orders.AddRange(tail);
        }
        else
        {
            for (int i = 0; i < steps; i++)
            {
                orders.Add((i % order) + 1);
            }
        }

        int[] result = [.. orders];
        if (zeroFinal)
        {
            result[^1] = 1;
        }

        return result;
    }

    private sealed class Session(DpmSolverSinglestepScheduler scheduler, SolverSchedule schedule, int[] orders) : SolverSession(schedule)
    {
        // The data predictions of the current group, newest last.
        private readonly List<float[]> _history = [];

        // The sample at the start of the current group.
        private float[] _groupStart = [];

        public override SchedulerStepOutput Step(Tensor modelOutput, float timestep, Tensor sample, IRandomSource? random = null)
        {
            PredictedSample.RequireSameShape(modelOutput, sample);
            var options = scheduler.Options;
            int index = Counter.Current(timestep);
            float[] x0 = SolverMath.DataPrediction(scheduler.PredictionType, modelOutput.Span, sample.Span, Schedule.Sigmas[index]);
            options.ThresholdPrediction(x0, sample.Shape);
            _history.Add(x0);
            if (_history.Count > options.SolverOrder)
            {
                _history.RemoveAt(0);
            }

            float[]? noise = null;
            if (options.AlgorithmType == "sde-dpmsolver++")
            {
                if (random is null)
                {
                    throw new ArgumentNullException(nameof(random), "sde-dpmsolver++ draws noise every step: pass a random source.");
                }

                noise = random.Randn(sample.GetShape()).Span.ToArray();
            }

            int order = Math.Min(orders[index], _history.Count);
            if (order == 1)
            {
                _groupStart = sample.Span.ToArray();
            }

            float[] prev = Update(index, order, noise);
            Counter.Advance();
            return new SchedulerStepOutput(new Tensor(prev, sample.GetShape()), new Tensor(x0, sample.GetShape()));
        }

        /// <summary>The order-k jump from the group's start, sigma[index - k + 1], to sigma[index + 1].</summary>
        private float[] Update(int index, int order, float[]? noise)
        {
            float[] sigmas = Schedule.Sigmas;
            bool heun = scheduler.Options.SolverType == "heun";
            var (alphaT, sigmaT) = SolverSchedule.AlphaSigma(sigmas[index + 1]);
            var (_, sigmaStart) = SolverSchedule.AlphaSigma(sigmas[index - order + 1]);
            float lambdaStart = SolverSchedule.Lambda(sigmas[index - order + 1]);
            float h = SolverSchedule.Lambda(sigmas[index + 1]) - lambdaStart;
            float e = MathF.Exp(-h);
            float decay = MathF.Exp(-2f * h);
            float[] x = _groupStart;
            float[] d0 = _history[^order];

            // The terms beyond the first order: (coefficient, tensor) pairs in diffusers' order.
            var higher = new List<(float, float[]?)>();
            if (order == 2)
            {
                float r0 = (SolverSchedule.Lambda(sigmas[index]) - lambdaStart) / h;
                float[] d1 = SolverMath.Difference(_history[^1], _history[^2], r0);
                float scale = noise is null
                    ? heun ? alphaT * (((e - 1f) / h) + 1f) : -(0.5f * (alphaT * (e - 1f)))
                    : heun ? alphaT * (((1f - decay) / (-2f * h)) + 1f) : 0.5f * (alphaT * (1f - decay));
                higher.Add((scale, d1));
            }
            else if (order == 3)
            {
                float r0 = (SolverSchedule.Lambda(sigmas[index]) - lambdaStart) / h;
                float r1 = (SolverSchedule.Lambda(sigmas[index - 1]) - lambdaStart) / h;
                float[] m0 = _history[^1];
                float[] m1 = _history[^2];
                float[] d10 = SolverMath.Difference(m1, d0, r1);
                float[] d11 = SolverMath.Difference(m0, d0, r0);
                float firstScale = noise is null ? alphaT * (((e - 1f) / h) + 1f) : alphaT * (((1f - decay) / (-2f * h)) + 1f);
                if (!heun)
                {
                    higher.Add((firstScale, d11));
                }
                else
                {
                    var d1 = new float[d10.Length];
                    var d2 = new float[d10.Length];
                    for (int i = 0; i < d1.Length; i++)
                    {
                        d1[i] = ((r0 * d10[i]) - (r1 * d11[i])) / (r0 - r1);
                        d2[i] = 2f * (d11[i] - d10[i]) / (r0 - r1);
                    }

                    float secondScale = noise is null
                        ? -(alphaT * (((e - 1f + h) / (h * h)) - 0.5f))
                        : alphaT * (((1f - decay + (-2f * h)) / ((-2f * h) * (-2f * h))) - 0.5f);
                    higher.Add((firstScale, d1));
                    higher.Add((secondScale, d2));
                }
            }

            if (noise is null)
            {
                return SolverMath.Sum([(sigmaT / sigmaStart, x), (-(alphaT * (e - 1f)), d0), .. higher]);
            }

            return SolverMath.Sum([(sigmaT / sigmaStart * e, x), (alphaT * (1f - decay), d0), .. higher, (sigmaT * MathF.Sqrt(1f - decay), noise)]);
        }
    }
}
