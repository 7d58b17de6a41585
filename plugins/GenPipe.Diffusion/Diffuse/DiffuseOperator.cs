using GenPipe.Abstractions.Components;
using GenPipe.Abstractions.Models;
using GenPipe.Abstractions.Operators;
using GenPipe.Tensors;

namespace GenPipe.Diffusion.Diffuse;

/// <summary>
/// <c>diffuse</c>: runs a denoiser under a scheduler, as diffusers' pipelines do:
/// <code>
/// g = TorchGenerator(seed); x = g.randn([count, ..sample_shape]) * init_noise_sigma
/// for t in timesteps: x = step(denoiser(scale_model_input(x, t), t, cond), t, x, g).prev_sample
/// </code>
/// With <c>latents</c> it starts from them instead (image-to-image, <c>strength</c>; inpainting with a <c>mask</c>:
/// <see cref="StartingPoint"/>); with <c>shared_generator</c> its draws continue those of the <c>encode</c> step that
/// sampled the latents from the same seed, in diffusers' order. With a <c>conditioning</c> and <c>guidance</c> != 1 it applies classifier-free
/// guidance in one batched call over [negative; positive] (<see cref="ClassifierFreeGuidance"/>). After every step it
/// calls the <see cref="IDiffusionStepHook"/>s registered as services.
/// </summary>
public sealed class DiffuseOperator : IPipelineOperator, IStepPreflight
{
    /// <summary>The operator name.</summary>
    public const string OperatorName = "diffuse";

    /// <inheritdoc />
    public OperatorSignature Signature { get; } = new(
        OperatorName,
        "Samples from a diffusion model: noise (or noised latents), then the scheduler's denoising loop.",
        [
            new ComponentSlot("denoiser", typeof(IDenoiser), Description: "The model that predicts noise (or v, x0, velocity) from a noisy sample."),
            new ComponentSlot("scheduler", typeof(IScheduler), Description: "Chooses the timesteps and advances the sample."),
        ],
        [
            new InputPort("steps", typeof(int), Required: false, Default: 20, Description: "Number of denoising steps; at most the scheduler's num_train_timesteps.") { Minimum = 1 },
            new InputPort("seed", typeof(int), Required: false, Default: 0, Description: "Seed of the torch-compatible noise generator."),
            new InputPort("count", typeof(int), Required: false, Default: 1, Description: "How many samples to draw (the batch size); they must fit in memory.") { Minimum = 1 },
            new InputPort("guidance", typeof(double), Required: false, Default: 1.0, Description: "Classifier-free guidance scale; 1 means no guidance."),
            new InputPort("guidance_rescale", typeof(double), Required: false, Default: 0.0, Description: "Rescales the guided prediction towards the conditional one's standard deviation (0: off, 0.7 as in the paper).") { Minimum = 0, Maximum = 1 },
            new InputPort("conditioning", typeof(Conditioning), Required: false, Description: "What to condition on; none for an unconditional model."),
            new InputPort("negative", typeof(Conditioning), Required: false, Description: "The conditioning guidance steers away from; none means unconditional."),
            new InputPort("latents", typeof(Tensor), Required: false, Description: "Latents to start from (image-to-image, inpainting), [1 or count, ..sample shape]."),
            new InputPort("strength", typeof(double), Required: false, Default: 1.0, Description: "With latents: how much of the schedule runs; only the last floor(steps x strength) timesteps do.") { Minimum = 0, Maximum = 1 },
            new InputPort("mask", typeof(Tensor), Required: false, Description: "With latents: 1 where to repaint, 0 where to keep the latents; [1 or count, 1 or channels, ..spatial].") ,
            new InputPort("shared_generator", typeof(bool), Required: false, Default: false, Description: "With latents that 'encode' sampled with this same seed: draw as diffusers' one generator does, after the posterior sample (and, with a mask, before one more of its shape), not from a fresh generator."),
            new InputPort("height", typeof(int), Required: false, Description: "Latent height, instead of the denoiser's sample shape.") { Minimum = 1 },
            new InputPort("width", typeof(int), Required: false, Description: "Latent width, instead of the denoiser's sample shape.") { Minimum = 1 },
            new InputPort("image_height", typeof(int), Required: false, Description: "Image height in pixels, for a denoiser of image latents: a multiple of the pixels one latent spans (8 for Stable Diffusion).") { Minimum = 1 },
            new InputPort("image_width", typeof(int), Required: false, Description: "Image width in pixels, for a denoiser of image latents: a multiple of the pixels one latent spans (8 for Stable Diffusion).") { Minimum = 1 },
        ],
        typeof(Tensor));

    /// <inheritdoc />
    public async ValueTask<object> ExecuteAsync(OperatorContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var settings = DiffuseSettings.Read(context);
        await using var denoiserLease = await context.AcquireAsync<IDenoiser>("denoiser", cancellationToken).ConfigureAwait(false);
        await using var schedulerLease = await context.AcquireAsync<IScheduler>("scheduler", cancellationToken).ConfigureAwait(false);
        var denoiser = denoiserLease.Value;
        var scheduler = schedulerLease.Value;
        if (denoiser.PredictionType != scheduler.PredictionType)
        {
            throw new InvalidOperationException(
                $"Step '{context.StepId}': the denoiser predicts {denoiser.PredictionType} but scheduler '{scheduler.Id}' expects " +
                $"{scheduler.PredictionType}. Set the scheduler's \"prediction_type\" option to \"{DiffusersName(denoiser.PredictionType)}\".");
        }

        var hooks = Hooks(context);
        var session = scheduler.SetTimesteps(settings.Steps);
        var generator = new TorchGenerator(settings.Seed);
        var start = StartingPoint.Create(context.StepId, scheduler, session, settings, settings.SampleShape(context.StepId, denoiser.SampleShape, denoiser as ILatentImageGeometry), generator);
        var x = start.Latents;
        var guide = new ClassifierFreeGuidance(settings.Conditioning, settings.Negative, x.Dim(0), settings.GuidanceRescale);
        var timesteps = start.Timesteps;
        double guidance = settings.Guidance;
        for (int i = 0; i < timesteps.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            float t = timesteps[i];
            var modelInput = session.ScaleModelInput(x, t);
            var prediction = await guide.PredictAsync(denoiser, modelInput, t, guidance, cancellationToken).ConfigureAwait(false);
            var output = session.Step(prediction, t, x, generator);
            x = start.Blend(scheduler, output.PrevSample, i);
            context.ReportIteration(i + 1, timesteps.Count);
            foreach (var hook in hooks)
            {
                var step = new DiffusionStep { StepId = context.StepId, Index = i, Count = timesteps.Count, Timestep = t, Latents = x, PredictedOriginal = output.PredOriginalSample, Guidance = guidance };
                await hook.OnStepAsync(step, cancellationToken).ConfigureAwait(false);
                guidance = step.Guidance;
            }
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

        foreach (var finding in PixelSizeFindings(context, denoiser))
        {
            yield return finding;
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

    // Image sides in pixels against the denoiser's geometry, read from its configs, so that a size that is no whole
    // number of latents is refused before the text encoder or anything else runs.
    private static IEnumerable<PreflightFinding> PixelSizeFindings(PreflightContext context, object? denoiser)
    {
        bool hasHeight = context.TryGetInput("image_height", out int height);
        bool hasWidth = context.TryGetInput("image_width", out int width);
        if (denoiser is not ILatentImageGeometryOptions reader || !(hasHeight || hasWidth))
        {
            yield break;
        }

        ILatentImageGeometry? geometry;
        try
        {
            geometry = reader.ReadGeometry(context.GetComponentSource("denoiser"));
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            // A broken source is the component's to report, with its file, when it is measured or loaded.
            geometry = null;
        }

        if (geometry is null)
        {
            yield break;
        }

        if (hasHeight && DiffuseSettings.PixelSizeProblem(height, geometry) is { } heightProblem)
        {
            yield return PreflightFinding.Error("image_height", heightProblem);
        }

        if (hasWidth && DiffuseSettings.PixelSizeProblem(width, geometry) is { } widthProblem)
        {
            yield return PreflightFinding.Error("image_width", widthProblem);
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

    private static IDiffusionStepHook[] Hooks(OperatorContext context) =>
        context.Services.GetService(typeof(IEnumerable<IDiffusionStepHook>)) is IEnumerable<IDiffusionStepHook> hooks ? [.. hooks] : [];

    private static string DiffusersName(PredictionType type) => type switch
    {
        PredictionType.Epsilon => "epsilon",
        PredictionType.VPrediction => "v_prediction",
        PredictionType.Sample => "sample",
        PredictionType.Flow => "flow_prediction",
        _ => type.ToString(),
    };

}
