using GenPipe.Tensors;

namespace GenPipe.Abstractions.Models;

/// <summary>
/// Images to a grid of discrete codes and back (a VQ autoencoder's encoder, quantizer and decoder): the vocabulary of
/// autoregressive and masked-token image models, which generate codes that <c>decode_codes</c> turns into pictures.
/// </summary>
/// <remarks>
/// Codes travel between steps as <see cref="ImageCodes"/> describes: a <see cref="Tensor"/> [N, h x w] of
/// float-valued integer ids, each image's grid row-major, as <see cref="CodeLatent"/> carries codes. A tensor, not a
/// record of its own, because every step already knows what to do with one (the pool counts its bytes, the cache keeps
/// it, <c>save</c> writes it as <c>.npy</c>), a model over token sequences reads it as [batch, length] whatever made it
/// (a prior prefixing a class token slices the prefix off, a masked-token model fills its own), and float32 holds every
/// integer up to 2^24 exactly, far beyond any codebook.
/// </remarks>
public interface IImageTokenizer
{
    /// <summary>How many codes there are: valid codes are 0 to this minus 1.</summary>
    int CodebookSize { get; }

    /// <summary>The code grid of an image of the model's own size (a 28 x 28 digit: 7 x 7 for a tokenizer of three levels).</summary>
    (int Height, int Width) CodeGridShape { get; }

    /// <summary>
    /// The codes of <paramref name="images"/> [N, C, H, W] in [-1, 1] as [N, h x w] (see <see cref="ImageCodes"/>):
    /// deterministic, the nearest codebook vector of each latent.
    /// </summary>
    ValueTask<Tensor> EncodeToCodesAsync(Tensor images, CancellationToken cancellationToken);

    /// <summary>
    /// Images [N, C, H, W] in [-1, 1] (not clamped) of <paramref name="codes"/>: [N, h x w] on the
    /// <see cref="CodeGridShape"/>, or [N, h, w] for another grid.
    /// </summary>
    /// <exception cref="ArgumentException">The codes are not whole numbers from 0 to <see cref="CodebookSize"/> - 1, or their shape fits no grid; the message says which and where.</exception>
    ValueTask<Tensor> DecodeCodesAsync(Tensor codes, CancellationToken cancellationToken);
}
