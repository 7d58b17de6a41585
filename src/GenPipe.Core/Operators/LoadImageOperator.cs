using GenPipe.Abstractions.Operators;
using GenPipe.Core.Imaging;
using GenPipe.Tensors;

namespace GenPipe.Core.Operators;

/// <summary>
/// <c>load_image</c>: reads a PNG or JPEG file (<see cref="ImageFiles"/>) into a tensor, batch of one, resized when a
/// size is given. As diffusers' image processors do: an image becomes [1, 3, H, W] scaled to [-1, 1]; a mask becomes
/// [1, 1, H, W] of 0 and 1 (its grey level thresholded at one half: white, 1, marks what to repaint).
/// </summary>
public sealed class LoadImageOperator : IPipelineOperator, IStepPreflight
{
    /// <summary>The operator name.</summary>
    public const string OperatorName = "load_image";

    /// <inheritdoc />
    public OperatorSignature Signature { get; } = new(
        OperatorName,
        "Reads a PNG or JPEG file as an image in [-1, 1] or a 0/1 mask, batch of one.",
        [],
        [
            new InputPort("path", typeof(string), Description: "The image file (PNG or JPEG): relative to the pipeline file when written there, to the current folder when given with --set.") { Path = PathRule.InputFile },
            new InputPort("mode", typeof(string), Required: false, Default: "image", Description: "\"image\": [1, 3, H, W] in [-1, 1]; \"mask\": [1, 1, H, W] of 0 and 1 (white = 1).") { AllowedValues = ["image", "mask"] },
            new InputPort("width", typeof(int), Required: false, Default: 0, Description: "Resize to this width (0: keep the file's).") { Minimum = 0, Maximum = ImageFiles.MaxSide },
            new InputPort("height", typeof(int), Required: false, Default: 0, Description: "Resize to this height (0: keep the file's).") { Minimum = 0, Maximum = ImageFiles.MaxSide },
        ],
        typeof(Tensor));

    /// <inheritdoc />
    public async ValueTask<object> ExecuteAsync(OperatorContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        string path = context.GetInput<string>("path");
        bool mask = context.GetInput<string>("mode") == "mask";
        int width = context.GetInput<int>("width");
        int height = context.GetInput<int>("height");
        cancellationToken.ThrowIfCancellationRequested();

        // Decoding a large JPEG takes a while; off the caller's thread like the other operators' work.
        var image = await Task.Run(() => ImageFiles.ReadRgb(path), cancellationToken).ConfigureAwait(false);
        image = ImageFiles.Resize(image, width > 0 ? width : image.Width, height > 0 ? height : image.Height);
        return mask ? MaskTensor(image) : ImageTensor(image);
    }

    /// <summary>
    /// Reads the header of a file known before the run (a literal or a parameter), so that a file that is not an image,
    /// or too large a one, is refused when the pipeline is validated. (A missing file is the path rule's to report.)
    /// </summary>
    public IEnumerable<PreflightFinding> Preflight(PreflightContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!context.TryGetInput("path", out string path) || !File.Exists(path))
        {
            yield break;
        }

        string? problem = null;
        try
        {
            ImageFiles.ReadSize(path);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            problem = ex.Message;
        }

        if (problem is not null)
        {
            yield return PreflightFinding.Error("path", $"names a file that cannot be used: {problem}");
        }
    }

    /// <summary>[1, 3, H, W] with each 8-bit level v as v / 127.5 - 1.</summary>
    public static Tensor ImageTensor(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        int plane = image.Width * image.Height;
        var data = new float[3 * plane];
        for (int p = 0; p < plane; p++)
        {
            for (int c = 0; c < 3; c++)
            {
                // diffusers: (v / 255) * 2 - 1, computed in float32 in that order.
                data[(c * plane) + p] = (image.Pixels[(p * 3) + c] / 255f * 2f) - 1f;
            }
        }

        return new Tensor(data, 1, 3, image.Height, image.Width);
    }

    /// <summary>[1, 1, H, W]: 1 where the grey level (ITU-R 601 luma, as PIL's <c>convert("L")</c>) is at least half, else 0.</summary>
    public static Tensor MaskTensor(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        int plane = image.Width * image.Height;
        var data = new float[plane];
        for (int p = 0; p < plane; p++)
        {
            // PIL: L = (R*299 + G*587 + B*114) / 1000, integer; diffusers then binarizes L / 255 at 0.5.
            int luma = ((image.Pixels[p * 3] * 299) + (image.Pixels[(p * 3) + 1] * 587) + (image.Pixels[(p * 3) + 2] * 114)) / 1000;
            data[p] = luma / 255f >= 0.5f ? 1f : 0f;
        }

        return new Tensor(data, 1, 1, image.Height, image.Width);
    }
}
