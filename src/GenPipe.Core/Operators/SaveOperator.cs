using GenPipe.Abstractions.Operators;
using GenPipe.Core.Imaging;
using GenPipe.Tensors;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace GenPipe.Core.Operators;

/// <summary>
/// <c>save</c>: writes samples to the run's output folder as <c>&lt;name&gt;.npy</c> (raw float32, numpy format) and
/// <c>&lt;name&gt;.png</c>. The picture depends on the shape: [N, 2] becomes a scatter plot, [N, C, H, W] with C = 1 or
/// 3 an image grid, unless a plugin registered an <see cref="ISampleRenderer"/> that draws the shape, which goes first.
/// Other shapes have no picture: with <c>format</c> <c>png+npy</c> only the npy file is written and a
/// warning says why; with <c>format</c> <c>png</c> alone the step fails before writing anything. (Projecting [N, D]
/// onto its first two dimensions was rejected: a plot that silently drops dimensions misleads more than it shows.)
/// </summary>
public sealed class SaveOperator : IPipelineOperator
{
    /// <summary>The operator name.</summary>
    public const string OperatorName = "save";

    /// <inheritdoc />
    public OperatorSignature Signature { get; } = new(
        OperatorName,
        "Writes samples as .npy and a .png scatter plot or image grid.",
        [],
        [
            new InputPort("samples", typeof(Tensor), Description: "The samples, batch first: [N, 2] points or [N, C, H, W] images."),
            new InputPort("name", typeof(string), Required: false, Default: "samples", Description: "File name without extension.") { Path = PathRule.FileName },
            new InputPort("format", typeof(string), Required: false, Default: "png+npy", Description: "Which files to write.") { AllowedValues = ["png+npy", "png", "npy", "npy+png"] },
            new InputPort("npy_range", typeof(string), Required: false, Default: "raw", Description: "The values of the .npy: \"raw\" as the samples are; \"0-1\" for images in [-1, 1]: x / 2 + 0.5 clamped to [0, 1], as diffusers' output_type=\"np\".") { AllowedValues = ["raw", "0-1"] },
        ],
        typeof(string[]),
        Cacheable: false);

    /// <inheritdoc />
    public async ValueTask<object> ExecuteAsync(OperatorContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var samples = context.GetInput<Tensor>("samples");
        string name = context.GetInput<string>("name");
        string format = context.GetInput<string>("format");
        CheckName(context.StepId, name);
        var (png, npy) = ParseFormat(context.StepId, format);
        var renderer = Renderers(context).FirstOrDefault(r => r.CanRender(samples));
        string? pictureProblem = renderer is null ? PictureProblem(samples) : null;
        if (png && pictureProblem is not null && !npy)
        {
            throw new InvalidOperationException($"Step '{context.StepId}': cannot save {name}.png: {pictureProblem} Use \"format\": \"npy\".");
        }

        var written = new List<string>();
        if (npy)
        {
            var values = context.GetInput<string>("npy_range") == "0-1" ? UnitRange(samples) : samples;
            written.Add(await context.Artifacts.WriteAsync(
                name + ".npy",
                (stream, token) =>
                {
                    NpyWriter.Write(stream, values, token);
                    return ValueTask.CompletedTask;
                },
                cancellationToken).ConfigureAwait(false));
        }

        if (png && pictureProblem is null)
        {
            written.Add(await context.Artifacts.WriteAsync(
                name + ".png",
                (stream, _) =>
                {
                    PngWriter.Write(stream, renderer is null ? Render(samples) : FromRenderer(renderer, samples), GenerationParameters.TextChunks(context.Run, samples));
                    return ValueTask.CompletedTask;
                },
                cancellationToken).ConfigureAwait(false));
        }
        else if (png)
        {
            Logger(context).LogWarning("Step '{StepId}': wrote {Name}.npy only, no {Name}.png: {Problem}", context.StepId, name, name, pictureProblem);
        }

        return written.ToArray();
    }

    /// <summary>Images in [-1, 1] as [0, 1]: <c>(x / 2 + 0.5).clamp(0, 1)</c> in float32, diffusers' order; NaN stays NaN.</summary>
    public static Tensor UnitRange(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        var result = images.Clone();
        var values = result.Span;
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = Math.Clamp((values[i] / 2f) + 0.5f, 0f, 1f);
        }

        return result;
    }

    /// <summary>Why <paramref name="samples"/> has no picture, or null when it has one.</summary>
    internal static string? PictureProblem(Tensor samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Rank == 2 && samples.Dim(1) == 2)
        {
            return null;
        }

        if (samples.Rank == 4 && (samples.Dim(1) == 1 || samples.Dim(1) == 3))
        {
            return null;
        }

        return $"a picture needs [N, 2] points or [N, C, H, W] images with C = 1 or 3, and the samples have shape {Tensor.FormatShape(samples.Shape)}.";
    }

    private static ISampleRenderer[] Renderers(OperatorContext context) =>
        context.Services.GetService(typeof(IEnumerable<ISampleRenderer>)) is IEnumerable<ISampleRenderer> renderers ? [.. renderers] : [];

    private static RgbImage FromRenderer(ISampleRenderer renderer, Tensor samples)
    {
        var picture = renderer.Render(samples);
        if (picture.Width < 1 || picture.Height < 1 || picture.Rgb.Length != (long)picture.Width * picture.Height * 3)
        {
            throw new InvalidOperationException(
                $"Renderer {renderer.GetType().Name} returned a {picture.Width}x{picture.Height} picture with {picture.Rgb.Length} bytes; it needs width x height x 3.");
        }

        return new RgbImage(picture.Width, picture.Height, picture.Rgb);
    }

    private static RgbImage Render(Tensor samples) =>
        samples.Rank == 2 ? SampleRenderer.ScatterPlot(samples) : SampleRenderer.ImageGrid(samples);

    private static (bool Png, bool Npy) ParseFormat(string stepId, string format)
    {
        bool png = false;
        bool npy = false;
        foreach (string part in (format ?? "").Split('+', StringSplitOptions.TrimEntries))
        {
            switch (part.ToLowerInvariant())
            {
                case "png":
                    png = true;
                    break;
                case "npy":
                    npy = true;
                    break;
                default:
                    throw new ArgumentException(
                        $"Step '{stepId}': unknown save format '{format}'; use \"png\", \"npy\" or \"png+npy\".");
            }
        }

        return (png, npy);
    }

    internal static void CheckName(string stepId, string name)
    {
        // The compiler checks literal and parameter names (PathRule.FileName); this catches names computed otherwise.
        if (PathRules.FileNameProblem(name) is { } problem)
        {
            // No parameter name: ArgumentException would append "(Parameter 'name')" to the message users see.
            throw new ArgumentException($"Step '{stepId}': input 'name' {problem}.");
        }
    }

    private static ILogger Logger(OperatorContext context) =>
        (context.Services.GetService(typeof(ILoggerFactory)) as ILoggerFactory ?? NullLoggerFactory.Instance).CreateLogger<SaveOperator>();
}
