using GenPipe.Abstractions.Models;
using GenPipe.Tensors;

namespace GenPipe.Schedulers;

/// <summary>
/// DPM-Solver++ SDE (k-diffusion's <c>sample_dpmpp_sde</c> with eta = 1, r = 1/2): a two-stage singlestep solver of
/// the data-prediction SDE. In t = -ln(sigma), each step from sigma to sigma_next first takes an ancestral
/// exponential-integrator step to the midpoint sigma_mid = sqrt(sigma * sigma_next), then, from the step's start, one
/// to sigma_next with the denoiser evaluated at the midpoint:
/// <code>
///   ancestral(x, D, from, to, w):  up = min(to, sqrt(to^2 (from^2 - to^2) / from^2)),  down = sqrt(to^2 - up^2)
///                                  = (down / from) x + (1 - down / from) D + s_noise * up * w
///   x_mid  = ancestral(x, D(x, sigma), sigma, sigma_mid, w_1)
///   x_next = ancestral(x, D(x_mid, sigma_mid), sigma, sigma_next, w_2)
/// </code>
/// The last step, to sigma = 0, is one Euler step. A run of n steps calls the model 2n - 1 times, its timesteps
/// interleaving each level with its midpoint's (fractional) timestep, as diffusers' DPMSolverSDEScheduler does.
/// <para>
/// Deliberate difference from diffusers: w_1 and w_2 are the normalised Brownian increments (W(sigma_mid) - W(sigma))
/// / sqrt(sigma - sigma_mid) and (W(sigma_next) - W(sigma)) / sqrt(sigma - sigma_next), which diffusers reads from a
/// torchsde <c>BrownianTreeNoiseSampler</c> seeded by <c>noise_sampler_seed</c>; GenPipe cannot reproduce that stream.
/// Here the increments over the disjoint pieces [sigma_mid, sigma] and [sigma_next, sigma_mid] are independent
/// standard normals z_1, z_2 drawn from the <see cref="IRandomSource"/> passed to <c>Step</c> (one randn of the
/// sample's shape per model call, none on the final Euler call), and
/// w_1 = z_1, w_2 = (sqrt(sigma - sigma_mid) z_1 + sqrt(sigma_mid - sigma_next) z_2) / sqrt(sigma - sigma_next):
/// the same joint distribution as the Brownian motion's (w_2 shares w_1's piece), different numbers.
/// <c>noise_sampler_seed</c> is therefore accepted and ignored.
/// </para>
/// </summary>
public sealed class DpmSolverSdeScheduler : KDiffusionScheduler<DpmSolverSdeSchedulerOptions>
{
    /// <summary>The component id.</summary>
    public const string ComponentId = "scheduler/dpmpp-sde";

    /// <summary>Creates the scheduler.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public DpmSolverSdeScheduler(DpmSolverSdeSchedulerOptions options)
        : base(options, ComponentId, finiteTerminalSigma: false)
    {
    }

    /// <inheritdoc />
    public override ISchedulerSession SetTimesteps(int numInferenceSteps) => new Session(this, numInferenceSteps);

    private sealed class Session : ISchedulerSession
    {
        private const string Name = "DPM-Solver++ SDE";

        private readonly DpmSolverSdeScheduler _scheduler;

        // Interleaved as diffusers stores them: [s_0, s_1, s_1, ..., s_{n-1}, s_{n-1}, 0], one entry per model call plus the final 0.
        private readonly float[] _sigmas;
        private readonly float[] _timesteps;
        private int? _stepIndex;

        // Between a step's two model calls: its start sample, midpoint sigma and first Brownian piece z_1.
        private float[]? _firstSample;
        private float _midpoint;
        private float[]? _firstNoise;

        public Session(DpmSolverSdeScheduler scheduler, int steps)
        {
            _scheduler = scheduler;
            double[] timesteps = TrainingSigmas.Timesteps(scheduler.Options, steps);
            double[] sigmas = scheduler.TrainingSigmas.At(timesteps);
            // Karras and exponential timesteps stay fractional here (KDPM2 rounds its Karras ones; this class does not).
            scheduler.TrainingSigmas.TryRespace(scheduler.Options, steps, null, null, ref sigmas, ref timesteps);

            var levels = new List<float> { (float)sigmas[0] };
            var run = new List<float> { (float)timesteps[0] };
            for (int i = 1; i < sigmas.Length; i++)
            {
                // The midpoint in t = -ln(sigma), computed in double as diffusers does with numpy.
                double midpoint = Math.Exp(-(-Math.Log(sigmas[i - 1]) + ((-Math.Log(sigmas[i]) + Math.Log(sigmas[i - 1])) * 0.5)));
                run.Add((float)scheduler.TrainingSigmas.ToTimestep(midpoint));
                run.Add((float)timesteps[i]);
                levels.Add((float)sigmas[i]);
                levels.Add((float)sigmas[i]);
            }

            levels.Add(0f);
            _sigmas = [.. levels];
            _timesteps = [.. run];
            InitNoiseSigma = SigmaSpace.InitNoiseSigma(scheduler.Options, _sigmas);
        }

        public IReadOnlyList<float> Timesteps => _timesteps;

        public IReadOnlyList<float>? Sigmas => _sigmas;

        public float InitNoiseSigma { get; }

        public int Order => 2;

        public Tensor ScaleModelInput(Tensor sample, float timestep)
        {
            ArgumentNullException.ThrowIfNull(sample);
            int index = StepIndex(timestep);
            return SigmaSpace.ScaleInput(sample, _firstSample is null ? _sigmas[index] : _midpoint);
        }

        public SchedulerStepOutput Step(Tensor modelOutput, float timestep, Tensor sample, IRandomSource? random = null)
        {
            PredictedSample.RequireSameShape(modelOutput, sample);
            int index = StepIndex(timestep);
            SigmaSpace.RequireStepLeft(index, _timesteps.Length);
            bool first = _firstSample is null;
            float sigma = first ? _sigmas[index] : _sigmas[index - 1];
            float next = first ? _sigmas[index + 1] : _sigmas[index];
            float midpoint = first ? MathF.Exp(-(-MathF.Log(sigma) + ((-MathF.Log(next) + MathF.Log(sigma)) * 0.5f))) : _midpoint;

            ReadOnlySpan<float> x = sample.Span;
            float[] original = SigmaSpace.Original(_scheduler.PredictionType, modelOutput.Span, x, first ? sigma : midpoint, Name);
            var prev = new float[x.Length];
            if (next == 0f)
            {
                // The final step: Euler to sigma = 0, no noise.
                for (int i = 0; i < x.Length; i++)
                {
                    prev[i] = x[i] + ((x[i] - original[i]) / sigma * (next - sigma));
                }
            }
            else if (first)
            {
                float[] z1 = SigmaSpace.RequireRandom(random, Name).Randn(sample.GetShape()).Span.ToArray();
                Ancestral(x, original, sigma, midpoint, z1, prev);
                _firstSample = x.ToArray();
                _midpoint = midpoint;
                _firstNoise = z1;
            }
            else
            {
                ReadOnlySpan<float> z2 = SigmaSpace.RequireRandom(random, Name).Randn(sample.GetShape()).Span;
                float[] z1 = _firstNoise!;
                // W(sigma_next) - W(sigma) is the sum of the two pieces' increments; normalised by its own length.
                double whole = Math.Sqrt(sigma - next);
                float a = (float)(Math.Sqrt(sigma - midpoint) / whole);
                float b = (float)(Math.Sqrt(midpoint - next) / whole);
                var w2 = new float[x.Length];
                for (int i = 0; i < w2.Length; i++)
                {
                    w2[i] = (a * z1[i]) + (b * z2[i]);
                }

                Ancestral(_firstSample!, original, sigma, next, w2, prev);
                _firstSample = null;
                _firstNoise = null;
            }

            _stepIndex = index + 1;
            return new SchedulerStepOutput(new Tensor(prev, sample.GetShape()), new Tensor(original, sample.GetShape()));
        }

        // The ancestral exponential-integrator step from sigma `from` to `to`, its noise part scaled by s_noise.
        private void Ancestral(ReadOnlySpan<float> x, float[] original, float from, float to, ReadOnlySpan<float> w, float[] prev)
        {
            double up = Math.Min(to, Math.Sqrt((double)to * to * (((double)from * from) - ((double)to * to)) / ((double)from * from)));
            double down = Math.Sqrt(((double)to * to) - (up * up));
            float ratio = (float)(down / from);
            float noise = (float)(_scheduler.Options.SNoise * up);
            for (int i = 0; i < x.Length; i++)
            {
                prev[i] = (ratio * x[i]) + ((1f - ratio) * original[i]) + (noise * w[i]);
            }
        }

        private int StepIndex(float timestep) => _stepIndex ??= SigmaSpace.FirstStepIndex(_timesteps, timestep);
    }
}
