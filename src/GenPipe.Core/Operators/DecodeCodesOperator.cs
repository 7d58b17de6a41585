using GenPipe.Abstractions.Models;
using GenPipe.Abstractions.Operators;
using GenPipe.Tensors;

namespace GenPipe.Core.Operators;

/// <summary>
/// <c>decode_codes</c>: discrete codes to images with an image tokenizer (<see cref="IImageTokenizer"/>), the whole
/// batch in one call. The codes are checked first (<see cref="ImageCodes.Read"/>: shape, whole numbers inside the
/// codebook), so a bad code from an earlier step is reported by its position before any decoding.
/// </summary>
public sealed class DecodeCodesOperator : IPipelineOperator
{
    /// <summary>The operator name.</summary>
    public const string OperatorName = "decode_codes";

    /// <inheritdoc />
    public OperatorSignature Signature { get; } = new(
        OperatorName,
        "Decodes discrete codes into images with an image tokenizer (a VQ autoencoder).",
        [new ComponentSlot("tokenizer", typeof(IImageTokenizer), Description: "Maps a grid of codes to an image.")],
        [new InputPort("codes", typeof(Tensor), Description: "The codes [N, h x w] (each image's grid row-major) or [N, h, w]: whole numbers from 0 to the codebook size - 1.")],
        typeof(Tensor));

    /// <inheritdoc />
    public async ValueTask<object> ExecuteAsync(OperatorContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var codes = context.GetInput<Tensor>("codes");
        var tokenizer = await context.GetComponentAsync<IImageTokenizer>("tokenizer", cancellationToken).ConfigureAwait(false);
        try
        {
            _ = ImageCodes.Read(codes, tokenizer.CodebookSize, tokenizer.CodeGridShape);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"Step '{context.StepId}': {e.Message}", e);
        }

        cancellationToken.ThrowIfCancellationRequested();
        return await tokenizer.DecodeCodesAsync(codes, cancellationToken).ConfigureAwait(false);
    }
}
