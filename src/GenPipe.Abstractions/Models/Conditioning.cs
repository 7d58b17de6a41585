using GenPipe.Tensors;

namespace GenPipe.Abstractions.Models;

/// <summary>What a conditioner produces and a denoiser consumes.</summary>
/// <param name="Embeddings">Per-token or per-item embeddings, batch first.</param>
/// <param name="Pooled">An optional pooled vector per batch item.</param>
/// <param name="Mask">An optional attention mask (1 keep, 0 ignore), batch first.</param>
public sealed record Conditioning(Tensor Embeddings, Tensor? Pooled = null, Tensor? Mask = null);

/// <summary>What a conditioner is asked to encode: text, class labels, or an image.</summary>
/// <param name="Text">Prompts, one per batch item.</param>
/// <param name="Labels">Class labels, one per batch item.</param>
/// <param name="Image">An image batch.</param>
public sealed record ConditioningInput(IReadOnlyList<string>? Text = null, IReadOnlyList<int>? Labels = null, Tensor? Image = null);

/// <summary>Turns a prompt, label or image into <see cref="Conditioning"/>, with the unconditional counterpart for guidance.</summary>
public interface IConditioner
{
    /// <summary>Encodes the input.</summary>
    ValueTask<Conditioning> EncodeAsync(ConditioningInput input, CancellationToken cancellationToken);

    /// <summary>The "empty" conditioning used for classifier-free guidance, for <paramref name="batchSize"/> items.</summary>
    ValueTask<Conditioning> EncodeUnconditionalAsync(int batchSize, CancellationToken cancellationToken);
}
