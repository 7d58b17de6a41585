using GenPipe.Tensors;

namespace GenPipe.Nn.Models.Vae;

/// <summary>What <see cref="VectorQuantizer.Forward"/> returns: the nearest codebook vectors and their codes.</summary>
/// <param name="Quantized">The codebook vectors in the latents' layout, [B, dim, h, w].</param>
/// <param name="Codes">Their codes, row-major [B, h, w]: the position of each vector in the codebook.</param>
/// <remarks>Both are the quantizer's buffers, valid until its next call.</remarks>
public readonly record struct QuantizedLatents(TensorView Quantized, ReadOnlyMemory<int> Codes);
