using GenPipe.Abstractions.Models;
using GenPipe.Abstractions.Operators;
using GenPipe.Tensors;

namespace GenPipe.Core.Operators;

/// <summary>
/// <c>encode_codes</c>: images to discrete codes with an image tokenizer (<see cref="IImageTokenizer"/>), [N, h x w]
/// float-valued ids, each image's grid row-major (<see cref="ImageCodes"/>); deterministic.
/// </summary>
public sealed class EncodeCodesOperator : IPipelineOperator
{
    /// <summary>The operator name.</summary>
    public const string OperatorName = "encode_codes";

    /// <inheritdoc />
    public OperatorSignature Signature { get; } = new(
        OperatorName,
        "Encodes images into discrete codes with an image tokenizer (a VQ autoencoder).",
        [new ComponentSlot("tokenizer", typeof(IImageTokenizer), Description: "Maps images to a grid of codes and back.")],
        [new InputPort("images", typeof(Tensor), Description: "The images [N, C, H, W] in [-1, 1].")],
        typeof(Tensor));

    /// <inheritdoc />
    public async ValueTask<object> ExecuteAsync(OperatorContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var images = context.GetInput<Tensor>("images");
        if (images.Rank != 4 || images.Length == 0)
        {
            throw new ArgumentException($"Step '{context.StepId}': images must be a batch of images [N, C, H, W]; got {Tensor.FormatShape(images.Shape)}.");
        }

        await using var tokenizer = await context.AcquireAsync<IImageTokenizer>("tokenizer", cancellationToken).ConfigureAwait(false);
        return await tokenizer.Value.EncodeToCodesAsync(images, cancellationToken).ConfigureAwait(false);
    }
}
