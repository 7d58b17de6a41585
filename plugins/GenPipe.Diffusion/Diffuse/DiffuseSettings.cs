using System.Globalization;
using GenPipe.Abstractions.Models;
using GenPipe.Abstractions.Operators;
using GenPipe.Tensors;

namespace GenPipe.Diffusion.Diffuse;

/// <summary>A <c>diffuse</c> step's inputs, read and checked together before any work.</summary>
internal sealed record DiffuseSettings(
    int Steps,
    int Seed,
    int Count,
    double Guidance,
    double GuidanceRescale,
    Conditioning? Conditioning,
    Conditioning? Negative,
    Tensor? Latents,
    double Strength,
    Tensor? Mask,
    bool SharedGenerator,
    int? Height,
    int? Width,
    int? ImageHeight,
    int? ImageWidth)
{
    public static DiffuseSettings Read(OperatorContext context)
    {
        string step = context.StepId;
        int steps = context.GetInput<int>("steps");
        int count = context.GetInput<int>("count");
        double guidance = context.GetInput<double>("guidance");
        double rescale = context.GetInput<double>("guidance_rescale");
        double strength = context.GetInput<double>("strength");
        Require(steps >= 1, step, "steps", steps, "it must be at least 1");
        Require(count >= 1, step, "count", count, "it must be at least 1");
        Require(double.IsFinite(guidance), step, "guidance", guidance, "it must be a finite number");
        Require(rescale is >= 0 and <= 1, step, "guidance_rescale", rescale, "it must be from 0 to 1");
        Require(strength is > 0 and <= 1, step, "strength", strength, "it must be above 0 and at most 1");
        var latents = Optional<Tensor>(context, "latents");
        var mask = Optional<Tensor>(context, "mask");
        if (strength < 1 && latents is null)
        {
            throw new ArgumentException($"Step '{step}': 'strength' {Text(strength)} changes how far the step noises its starting latents, but it has no 'latents' input; give one (img2img), or leave strength at 1.");
        }

        if (mask is not null && latents is null)
        {
            throw new ArgumentException($"Step '{step}': a 'mask' says which part of the 'latents' to keep, but the step has no 'latents' input; give the latents of the image to inpaint.");
        }

        bool shared = context.GetInput<bool>("shared_generator");
        if (shared && latents is null)
        {
            throw new ArgumentException($"Step '{step}': 'shared_generator' continues the generator that sampled the 'latents', but the step has no 'latents' input; give the output of the 'encode' step that sampled them with the same seed, or leave shared_generator out.");
        }

        int? height = context.HasInput("height") ? context.GetInput<int>("height") : null;
        int? width = context.HasInput("width") ? context.GetInput<int>("width") : null;
        Require(height is null or >= 1, step, "height", height ?? 0, "it must be at least 1");
        Require(width is null or >= 1, step, "width", width ?? 0, "it must be at least 1");
        int? imageHeight = context.HasInput("image_height") ? context.GetInput<int>("image_height") : null;
        int? imageWidth = context.HasInput("image_width") ? context.GetInput<int>("image_width") : null;
        Require(imageHeight is null or >= 1, step, "image_height", imageHeight ?? 0, "it must be at least 1");
        Require(imageWidth is null or >= 1, step, "image_width", imageWidth ?? 0, "it must be at least 1");
        if ((imageHeight is not null && height is not null) || (imageWidth is not null && width is not null))
        {
            throw new ArgumentException($"Step '{step}': give the size either in latents ('height', 'width') or in pixels ('image_height', 'image_width'), not both.");
        }

        return new DiffuseSettings(
            steps, context.GetInput<int>("seed"), count, guidance, rescale,
            Optional<Conditioning>(context, "conditioning"), Optional<Conditioning>(context, "negative"), latents, strength, mask, shared, height, width,
            imageHeight, imageWidth);
    }

    /// <summary>
    /// The shape of the samples: [count, ..latent shape]. The latents' shape when they are given, else the denoiser's
    /// sample shape with its last two dimensions replaced by <see cref="Height"/> and <see cref="Width"/> when given (or
    /// <see cref="ImageHeight"/> and <see cref="ImageWidth"/> turned into latents by <paramref name="geometry"/>).
    /// </summary>
    public int[] SampleShape(string stepId, IReadOnlyList<int> denoiserShape, ILatentImageGeometry? geometry = null)
    {
        int[] shape = Latents is null ? [.. denoiserShape] : Latents.GetShape()[1..];
        int? height = Height ?? Latent(stepId, "image_height", ImageHeight, geometry);
        int? width = Width ?? Latent(stepId, "image_width", ImageWidth, geometry);
        if (height is not null || width is not null)
        {
            if (shape.Length < 2)
            {
                throw new ArgumentException($"Step '{stepId}': 'height' and 'width' set the size of image latents, but this denoiser's samples have shape {Tensor.FormatShape(shape)}; leave them out.");
            }

            int h = height ?? shape[^2];
            int w = width ?? shape[^1];
            if (Latents is not null && (h != shape[^2] || w != shape[^1]))
            {
                throw new ArgumentException($"Step '{stepId}': 'height' {h} and 'width' {w} differ from the latents' {shape[^2]}x{shape[^1]}; leave them out, the latents decide the size.");
            }

            shape[^2] = h;
            shape[^1] = w;
        }

        return [Count, .. shape];
    }

    // A size in pixels as latents: a whole number of latents, and of the multiple the denoiser needs.
    private static int? Latent(string stepId, string input, int? pixels, ILatentImageGeometry? geometry)
    {
        if (pixels is not { } value)
        {
            return null;
        }

        if (geometry is null)
        {
            throw new ArgumentException($"Step '{stepId}': '{input}' gives a size in pixels, but this denoiser does not work on image latents; use 'height' and 'width' (latents) instead.");
        }

        if (PixelSizeProblem(value, geometry) is { } problem)
        {
            throw new ArgumentException($"Step '{stepId}': '{input}' {problem}.");
        }

        return value / geometry.PixelsPerLatent;
    }

    /// <summary>
    /// What is wrong with an image side of <paramref name="pixels"/> for a denoiser of <paramref name="geometry"/> (not a
    /// whole number of latents, or of the latent multiple it needs), with the nearest fixes; null when nothing is.
    /// </summary>
    public static string? PixelSizeProblem(int pixels, ILatentImageGeometry geometry)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        int factor = geometry.PixelsPerLatent * geometry.LatentMultiple;
        if (pixels % factor == 0)
        {
            return null;
        }

        int lower = Math.Max(factor, pixels / factor * factor);
        string why = geometry.LatentMultiple == 1
            ? $"one latent spans {geometry.PixelsPerLatent} pixels"
            : $"one latent spans {geometry.PixelsPerLatent} pixels and the denoiser needs latent sizes in multiples of {geometry.LatentMultiple}";
        return $"is {pixels}; it must be a multiple of {factor} ({why}), e.g. {lower} or {lower + factor}";
    }

    private static T? Optional<T>(OperatorContext context, string name) where T : class =>
        context.HasInput(name) ? context.GetInput<T>(name) : null;

    private static void Require(bool ok, string step, string input, double value, string rule)
    {
        if (!ok)
        {
            throw new ArgumentException($"Step '{step}': input '{input}' is {Text(value)}; {rule}.");
        }
    }

    private static string Text(double value) => value.ToString(CultureInfo.InvariantCulture);
}
