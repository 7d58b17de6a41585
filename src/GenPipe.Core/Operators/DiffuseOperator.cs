using GenPipe.Abstractions.Components;
using GenPipe.Abstractions.Models;
using GenPipe.Abstractions.Operators;
using GenPipe.Tensors;

namespace GenPipe.Core.Operators;

/// <summary>
/// <c>diffuse</c>: runs a denoiser under a scheduler from pure noise, as diffusers' pipelines do:
/// <code>
/// g = TorchGenerator(seed); x = g.randn([count, ..sample_shape]) * init_noise_sigma
/// for t in timesteps: x = step(denoiser(scale_model_input(x, t), t, cond), t, x, g).prev_sample
/// </code>
/// With a <c>conditioning</c> and <c>guidance</c> != 1 it applies classifier-free guidance,
/// <c>pred = pred_uncond + guidance * (pred_cond - pred_uncond)</c>, where the unconditional prediction uses the
/// <c>negative</c> conditioning when one is given and no conditioning (null) otherwise.
/// </summary>
public sealed class DiffuseOperator : IPipelineOperator, IStepPreflight
{
    /// <summary>The operator name.</summary>
    public const string OperatorName = "diffuse";

    /// <inheritdoc />
    public OperatorSignature Signature { get; } = new(
        OperatorName,
        "Samples from a diffusion model: noise, then the scheduler's denoising loop.",
        [
            new ComponentSlot("denoiser", typeof(IDenoiser), Description: "The model that predicts noise (or v, x0, velocity) from a noisy sample."),
            new ComponentSlot("scheduler", typeof(IScheduler), Description: "Chooses the timesteps and advances the sample."),
        ],
        [
            new InputPort("steps", typeof(int), Required: false, Default: 20, Description: "Number of denoising steps; at most the scheduler's num_train_timesteps.") { Minimum = 1 },
            new InputPort("seed", typeof(int), Required: false, Default: 0, Description: "Seed of the torch-compatible noise generator."),
            new InputPort("count", typeof(int), Required: false, Default: 1, Description: "How many samples to draw (the batch size); they must fit in memory.") { Minimum = 1 },
            new InputPort("guidance", typeof(double), Required: false, Default: 1.0, Description: "Classifier-free guidance scale; 1 means no guidance."),
            new InputPort("conditioning", typeof(Conditioning), Required: false, Description: "What to condition on; none for an unconditional model."),
            new InputPort("negative", typeof(Conditioning), Required: false, Description: "The conditioning guidance steers away from; none means unconditional."),
        ],
        typeof(Tensor));

    /// <inheritdoc />
    public async ValueTask<object> ExecuteAsync(OperatorContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var settings = ReadSettings(context);
        var denoiser = await context.GetComponentAsync<IDenoiser>("denoiser", cancellationToken).ConfigureAwait(false);
        var scheduler = await context.GetComponentAsync<IScheduler>("scheduler", cancellationToken).ConfigureAwait(false);
        if (denoiser.PredictionType != scheduler.PredictionType)
        {
            throw new InvalidOperationException(
                $"Step '{context.StepId}': the denoiser predicts {denoiser.PredictionType} but scheduler '{scheduler.Id}' expects " +
                $"{scheduler.PredictionType}. Set the scheduler's \"prediction_type\" option to \"{DiffusersName(denoiser.PredictionType)}\".");
        }

        var session = scheduler.SetTimesteps(settings.Steps);
        var generator = new TorchGenerator(settings.Seed);
        var x = generator.Randn([settings.Count, .. denoiser.SampleShape]).Multiply(session.InitNoiseSigma);
        var timesteps = session.Timesteps;
        for (int i = 0; i < timesteps.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            float t = timesteps[i];
            var modelInput = session.ScaleModelInput(x, t);
            var prediction = await PredictAsync(denoiser, modelInput, t, settings, cancellationToken).ConfigureAwait(false);
            x = session.Step(prediction, t, x, generator).PrevSample;
            context.ReportIteration(i + 1, timesteps.Count);
        }

        return x;
    }

    /// <summary>
    /// Before the run: <c>steps</c> against the scheduler's training steps, the denoiser's training noise schedule
    /// against the scheduler's (a warning), and the memory the samples need when the denoiser's options give the sample shape.
    /// </summary>
    public IEnumerable<PreflightFinding> Preflight(PreflightContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var denoiser = context.GetComponentOptions("denoiser");
        var scheduler = context.GetComponentOptions("scheduler") as INoiseScheduleOptions;
        if (context.TryGetInput("steps", out int steps) && scheduler?.NoiseSchedule is { } schedule && steps > schedule.NumTrainTimesteps)
        {
            yield return PreflightFinding.Error(
                "steps",
                $"must be at most {schedule.NumTrainTimesteps}, the scheduler's num_train_timesteps, got {steps}; give a value from 1 to {schedule.NumTrainTimesteps}");
        }

        if ((denoiser as INoiseScheduleOptions)?.NoiseSchedule is { } trained && scheduler?.NoiseSchedule is { } used && trained != used)
        {
            yield return PreflightFinding.Warning(
                "scheduler",
                $"the denoiser was trained with the noise schedule ({trained}) but the scheduler uses ({used}); " +
                "the samples will be wrong unless they agree: give the scheduler the denoiser's schedule options");
        }

        if (context.TryGetInput("count", out int count) && count >= 1 && (denoiser as ISampleShapeOptions)?.SampleShape is { } shape)
        {
            long sampleSize = SaturatingProduct([.. shape.Select(d => (long)d)]);
            long elements = SaturatingProduct([count, sampleSize]);
            if (elements > Array.MaxLength)
            {
                yield return PreflightFinding.Error(
                    "count",
                    $"is {count}, and {count} samples of shape {Tensor.FormatShape(shape.ToArray())} are {elements} numbers, more than one tensor holds ({Array.MaxLength}); give at most {Array.MaxLength / Math.Max(1, sampleSize)}");
                yield break;
            }

            // Each step holds the samples, the denoiser's prediction and the next samples at once (float32 each).
            yield return PreflightFinding.Memory(
                "count",
                SaturatingProduct([elements, sizeof(float), 3]),
                $"{count} samples of shape {Tensor.FormatShape(shape.ToArray())}, the denoiser's prediction and the next samples (float32)");
        }
    }

    private static long SaturatingProduct(ReadOnlySpan<long> factors)
    {
        long product = 1;
        foreach (long f in factors)
        {
            if (f <= 0)
            {
                return 0;
            }

            product = product > long.MaxValue / f ? long.MaxValue : product * f;
        }

        return product;
    }

    private static async ValueTask<Tensor> PredictAsync(
        IDenoiser denoiser, Tensor modelInput, float t, DiffuseSettings settings, CancellationToken cancellationToken)
    {
        var conditional = await denoiser.PredictAsync(new DenoiserInput(modelInput, t, settings.Conditioning), cancellationToken).ConfigureAwait(false);
        if (!settings.UsesGuidance)
        {
            return conditional;
        }

        var unconditional = await denoiser.PredictAsync(new DenoiserInput(modelInput, t, settings.Negative), cancellationToken).ConfigureAwait(false);
        if (!conditional.SameShape(unconditional))
        {
            throw new InvalidOperationException(
                $"The conditional prediction has shape {Tensor.FormatShape(conditional.Shape)} but the unconditional one " +
                $"{Tensor.FormatShape(unconditional.Shape)}.");
        }

        var guided = unconditional.Clone();
        var g = guided.Span;
        var c = conditional.Span;
        float scale = (float)settings.Guidance;
        for (int i = 0; i < g.Length; i++)
        {
            g[i] += scale * (c[i] - g[i]);
        }

        return guided;
    }

    private static DiffuseSettings ReadSettings(OperatorContext context)
    {
        int steps = context.GetInput<int>("steps");
        int count = context.GetInput<int>("count");
        double guidance = context.GetInput<double>("guidance");
        if (steps < 1)
        {
            throw new ArgumentException($"Step '{context.StepId}': input 'steps' is {steps}; it must be at least 1.");
        }

        if (count < 1)
        {
            throw new ArgumentException($"Step '{context.StepId}': input 'count' is {count}; it must be at least 1.");
        }

        if (!double.IsFinite(guidance))
        {
            throw new ArgumentException($"Step '{context.StepId}': input 'guidance' is {guidance}; it must be a finite number.");
        }

        var conditioning = context.HasInput("conditioning") ? context.GetInput<Conditioning>("conditioning") : null;
        var negative = context.HasInput("negative") ? context.GetInput<Conditioning>("negative") : null;
        return new DiffuseSettings(steps, context.GetInput<int>("seed"), count, guidance, conditioning, negative);
    }

    private static string DiffusersName(PredictionType type) => type switch
    {
        PredictionType.Epsilon => "epsilon",
        PredictionType.VPrediction => "v_prediction",
        PredictionType.Sample => "sample",
        PredictionType.Flow => "flow_prediction",
        _ => type.ToString(),
    };

    private sealed record DiffuseSettings(int Steps, int Seed, int Count, double Guidance, Conditioning? Conditioning, Conditioning? Negative)
    {
        // Guidance needs something to guide towards; without a conditioning both predictions would be the same.
        public bool UsesGuidance => Conditioning is not null && Guidance != 1.0;
    }
}
