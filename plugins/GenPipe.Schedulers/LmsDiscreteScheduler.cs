using GenPipe.Abstractions.Models;
using GenPipe.Tensors;

namespace GenPipe.Schedulers;

/// <summary>
/// A linear multistep method (Adams-Bashforth in sigma) on the probability-flow ODE dx/dsigma = d(x, sigma) =
/// (x - x_0) / sigma, as k-diffusion's <c>sample_lms</c>: the last k derivatives are extrapolated by their Lagrange
/// polynomial over sigma and integrated over the step,
/// <code>
///   x_{i+1} = x_i + sum_j c_j d_{i-j},   c_j = integral from sigma_i to sigma_{i+1} of prod_{m != j} (s - sigma_{i-m}) / (sigma_{i-j} - sigma_{i-m}) ds
/// </code>
/// with k = min(i + 1, order). The integrals are taken numerically (<see cref="AdaptiveSimpson"/>), as diffusers takes
/// them with scipy. Reproduces diffusers' LMSDiscreteScheduler.
/// </summary>
public sealed class LmsDiscreteScheduler : KDiffusionScheduler<LmsDiscreteSchedulerOptions>
{
    /// <summary>The component id.</summary>
    public const string ComponentId = "scheduler/lms";

    /// <summary>Creates the scheduler.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public LmsDiscreteScheduler(LmsDiscreteSchedulerOptions options)
        : base(options, ComponentId, finiteTerminalSigma: false)
    {
    }

    /// <inheritdoc />
    public override ISchedulerSession SetTimesteps(int numInferenceSteps) => new Session(this, TrainingSigmas.Run(Options, numInferenceSteps));

    /// <summary>True when sigma_step, ..., sigma_{step - order + 1} differ from each other.</summary>
    internal static bool DistinctNodes(IReadOnlyList<float> sigmas, int step, int order)
    {
        for (int a = 0; a < order; a++)
        {
            for (int b = a + 1; b < order; b++)
            {
                if (sigmas[step - a] == sigmas[step - b])
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>
    /// The weight of the derivative taken at sigma_{step - node} in the step from sigma_step to sigma_{step + 1}: the
    /// integral of the Lagrange basis polynomial of that node over the nodes sigma_step, ..., sigma_{step - order + 1}.
    /// </summary>
    internal static double Coefficient(IReadOnlyList<float> sigmas, int order, int step, int node)
    {
        double Basis(double s)
        {
            double product = 1;
            for (int m = 0; m < order; m++)
            {
                if (m != node)
                {
                    product *= (s - sigmas[step - m]) / ((double)sigmas[step - node] - sigmas[step - m]);
                }
            }

            return product;
        }

        return AdaptiveSimpson.Integrate(Basis, sigmas[step], sigmas[step + 1]);
    }

    private sealed class Session : KDiffusionSession
    {
        private readonly LmsDiscreteScheduler _scheduler;
        private readonly List<float[]> _derivatives = [];

        public Session(LmsDiscreteScheduler scheduler, (float[] Sigmas, float[] Timesteps) run)
            : base(scheduler.Options, run.Sigmas, run.Timesteps)
        {
            _scheduler = scheduler;
        }

        public override SchedulerStepOutput Step(Tensor modelOutput, float timestep, Tensor sample, IRandomSource? random = null)
        {
            PredictedSample.RequireSameShape(modelOutput, sample);
            int index = CurrentStep(timestep);
            float sigma = RunSigmas[index];
            ReadOnlySpan<float> x = sample.Span;
            float[] original = SigmaSpace.Original(_scheduler.PredictionType, modelOutput.Span, x, sigma, "LMS");

            var derivative = new float[x.Length];
            for (int i = 0; i < x.Length; i++)
            {
                derivative[i] = (x[i] - original[i]) / sigma;
            }

            int maxOrder = _scheduler.Options.Order;
            _derivatives.Add(derivative);
            if (_derivatives.Count > maxOrder)
            {
                _derivatives.RemoveAt(0);
            }

            // Lagrange interpolation needs distinct nodes. diffusers' extra trailing timestep -1 repeats the first
            // training sigma, where diffusers' coefficients become NaN; GenPipe drops the repeated node instead.
            int order = Math.Min(index + 1, maxOrder);
            while (order > 1 && !DistinctNodes(RunSigmas, index, order))
            {
                order--;
            }

            var sum = new float[x.Length];
            for (int node = 0; node < order; node++)
            {
                // The newest derivative belongs to node 0 (sigma_i), the one before to node 1, and so on.
                float coefficient = (float)Coefficient(RunSigmas, order, index, node);
                float[] d = _derivatives[_derivatives.Count - 1 - node];
                for (int i = 0; i < sum.Length; i++)
                {
                    sum[i] += coefficient * d[i];
                }
            }

            var prev = new float[x.Length];
            for (int i = 0; i < prev.Length; i++)
            {
                prev[i] = x[i] + sum[i];
            }

            Advance(index);
            return new SchedulerStepOutput(new Tensor(prev, sample.GetShape()), new Tensor(original, sample.GetShape()));
        }
    }
}
