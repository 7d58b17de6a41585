using GenPipe.Tensors;

namespace GenPipe.Abstractions.Models;

/// <summary>Chooses the next token of each sequence from its logits, through a chain of logits processors.</summary>
public interface ISampler
{
    /// <summary>
    /// Picks one token per row of <paramref name="logits"/> ([batch, vocab]); <paramref name="previousTokens"/> holds
    /// each sequence so far (for repetition penalties).
    /// </summary>
    int[] Sample(Tensor logits, IReadOnlyList<IReadOnlyList<int>> previousTokens, IRandomSource random);
}

/// <summary>Rewrites scores before sampling (temperature, top-k, top-p, penalties), as transformers' logits processors do.</summary>
public interface ILogitsProcessor
{
    /// <summary>Transforms <paramref name="scores"/> ([batch, vocab]) in place; masked entries become negative infinity.</summary>
    void Process(IReadOnlyList<IReadOnlyList<int>> inputIds, Tensor scores);
}
