using GenPipe.Abstractions.Models;
using GenPipe.Tensors;

namespace GenPipe.Diffusion.Diffuse;

/// <summary>
/// Where the denoising loop starts and what it keeps, as diffusers' pipelines set it up:
/// <list type="bullet">
/// <item>text-to-image: <c>x = randn(shape) * init_noise_sigma</c>, every timestep;</item>
/// <item>image-to-image (<c>latents</c>, <c>strength</c>): only the last <c>floor(steps * strength)</c> timesteps run
/// (times the scheduler's order), from <c>add_noise(latents, randn(shape), first timestep)</c>;</item>
/// <item>inpainting with a plain denoiser (<c>mask</c>): the same start (pure noise at strength 1), and after every step
/// the kept region (mask 0) is put back, noised to the next timestep, exactly the latents after the last.</item>
/// </list>
/// <para>The draws follow diffusers' order on one generator: the initial noise, then the scheduler's (ancestral
/// schedulers draw at every step). diffusers' image-to-image and inpainting pipelines draw the image's posterior sample
/// from that generator first, and inpainting draws the masked image's posterior sample (the input of 9-channel UNets,
/// unused by 4-channel ones) right after the noise. In GenPipe the <c>encode</c> step draws the posterior sample from
/// its own generator of the same seed; with <see cref="DiffuseSettings.SharedGenerator"/> this step replays those draws
/// (one normal draw of the latents' shape) before its noise, and draws the masked image's after it, so the noise and
/// every later draw are diffusers'.</para>
/// </summary>
internal sealed class StartingPoint
{
    private readonly Tensor? _known;
    private readonly Tensor? _mask;
    private readonly Tensor? _noise;

    private StartingPoint(Tensor latents, IReadOnlyList<float> timesteps, Tensor? known, Tensor? mask, Tensor? noise)
    {
        Latents = latents;
        Timesteps = timesteps;
        _known = known;
        _mask = mask;
        _noise = noise;
    }

    /// <summary>The latents the loop starts from.</summary>
    public Tensor Latents { get; }

    /// <summary>The timesteps the loop runs.</summary>
    public IReadOnlyList<float> Timesteps { get; }

    public static StartingPoint Create(string stepId, IScheduler scheduler, ISchedulerSession session, DiffuseSettings settings, int[] shape, TorchGenerator generator)
    {
        if (settings.Latents is null)
        {
            return new StartingPoint(generator.Randn(shape).Multiply(session.InitNoiseSigma), session.Timesteps, null, null, null);
        }

        var timesteps = Skip(stepId, session, settings);
        var known = Batches.Repeat(settings.Latents, settings.Count, "Input 'latents'");
        var mask = settings.Mask is null ? null : ExpandMask(stepId, settings.Mask, shape);
        if (settings.SharedGenerator)
        {
            // The posterior sample the encode step drew from the same seed.
            SkipNormals(generator, settings.Latents.GetShape());
        }

        var noise = generator.Randn(shape);
        if (settings.SharedGenerator && mask is not null)
        {
            // diffusers' inpainting samples the masked image's posterior here, one draw of the image latents' shape.
            SkipNormals(generator, settings.Latents.GetShape());
        }

        var start = mask is not null && settings.Strength == 1
            ? noise.Multiply(session.InitNoiseSigma)
            : scheduler.AddNoise(known, noise, timesteps[0]);
        return new StartingPoint(start, timesteps, known, mask, noise);
    }

    /// <summary>After step <paramref name="index"/>: the kept region put back (inpainting), else <paramref name="latents"/>.</summary>
    public Tensor Blend(IScheduler scheduler, Tensor latents, int index)
    {
        if (_mask is null)
        {
            return latents;
        }

        var known = index < Timesteps.Count - 1 ? scheduler.AddNoise(_known!, _noise!, Timesteps[index + 1]) : _known!;
        var result = new float[latents.Length];
        var m = _mask.Span;
        var k = known.Contiguous().Span;
        var x = latents.Contiguous().Span;
        for (int i = 0; i < result.Length; i++)
        {
            // (1 - mask) * known + mask * latents, each product rounded to float as torch does.
            float keep = (1f - m[i]) * k[i];
            float repaint = m[i] * x[i];
            result[i] = keep + repaint;
        }

        return new Tensor(result, latents.GetShape());
    }

    // Advances the generator as torch.randn(shape, generator=g) does (how many numbers a draw consumes depends on its
    // size, so the draw itself is replayed).
    private static void SkipNormals(TorchGenerator generator, int[] shape)
    {
        using var discarded = generator.Randn(shape);
    }

    // diffusers' get_timesteps: init = min(int(steps * strength), steps); start at (steps - init) * order.
    private static IReadOnlyList<float> Skip(string stepId, ISchedulerSession session, DiffuseSettings settings)
    {
        int init = Math.Min((int)(settings.Steps * settings.Strength), settings.Steps);
        int start = Math.Max(settings.Steps - init, 0) * session.Order;
        if (start >= session.Timesteps.Count)
        {
            throw new ArgumentException(
                $"Step '{stepId}': 'strength' {settings.Strength} of {settings.Steps} steps leaves no step to run (floor(steps x strength) = {init}); raise 'strength' or 'steps'.");
        }

        return session.Timesteps.Skip(start).ToArray();
    }

    // A mask [1 or N, 1 or C, ..spatial] in [0, 1] spread to the samples' [N, C, ..spatial]. A mask at image
    // resolution (each spatial size the same whole multiple of the latents') is first taken at the latents' resolution
    // by nearest neighbour, as diffusers' inpainting interpolates it.
    private static Tensor ExpandMask(string stepId, Tensor mask, int[] shape)
    {
        mask = AtLatentResolution(mask, shape);
        if (mask.Rank != shape.Length || !mask.GetShape().AsSpan(2).SequenceEqual(shape.AsSpan(2))
            || (mask.Dim(0) != 1 && mask.Dim(0) != shape[0]) || (mask.Dim(1) != 1 && mask.Dim(1) != shape[1]))
        {
            throw new ArgumentException(
                $"Step '{stepId}': the mask has shape {Tensor.FormatShape(mask.Shape)}; for latents of shape {Tensor.FormatShape(shape)} it needs [1 or {shape[0]}, 1 or {shape[1]}, {string.Join(", ", shape[2..])}].");
        }

        var source = mask.Contiguous().Span;
        foreach (float v in source)
        {
            if (!(v >= 0 && v <= 1))
            {
                throw new ArgumentException($"Step '{stepId}': the mask holds {v}; its values must be from 0 (keep) to 1 (repaint).");
            }
        }

        int plane = shape[2..].Aggregate(1, (a, b) => a * b);
        var result = new float[shape.Aggregate(1, (a, b) => a * b)];
        for (int n = 0; n < shape[0]; n++)
        {
            for (int c = 0; c < shape[1]; c++)
            {
                int from = ((mask.Dim(0) == 1 ? 0 : n) * mask.Dim(1) + (mask.Dim(1) == 1 ? 0 : c)) * plane;
                source.Slice(from, plane).CopyTo(result.AsSpan(((n * shape[1]) + c) * plane, plane));
            }
        }

        return new Tensor(result, shape);
    }

    private static Tensor AtLatentResolution(Tensor mask, int[] shape)
    {
        if (mask.Rank != 4 || shape.Length != 4 || (mask.Dim(2) == shape[2] && mask.Dim(3) == shape[3])
            || mask.Dim(2) % shape[2] != 0 || mask.Dim(3) % shape[3] != 0 || mask.Dim(2) / shape[2] != mask.Dim(3) / shape[3])
        {
            return mask;
        }

        // PyTorch's nearest interpolation to a size k times smaller reads source index floor(i * k) = i * k.
        int k = mask.Dim(2) / shape[2];
        var view = mask.View;
        var result = new float[mask.Dim(0) * mask.Dim(1) * shape[2] * shape[3]];
        int o = 0;
        for (int n = 0; n < mask.Dim(0); n++)
        {
            for (int c = 0; c < mask.Dim(1); c++)
            {
                for (int y = 0; y < shape[2]; y++)
                {
                    for (int x = 0; x < shape[3]; x++)
                    {
                        result[o++] = view[n, c, y * k, x * k];
                    }
                }
            }
        }

        return new Tensor(result, mask.Dim(0), mask.Dim(1), shape[2], shape[3]);
    }
}
