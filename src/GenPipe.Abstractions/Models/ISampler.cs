using GenPipe.Tensors;

namespace GenPipe.Abstractions.Models;

/// <summary>Chooses the next token of each sequence from its logits, through a chain of logits processors.</summary>
public interface ISampler
{
    /// <summary>True when <see cref="Sample"/> draws at random; false for greedy (deterministic) choice.</summary>
    bool DoSample { get; }

    /// <summary>
    /// Picks one token per row of <paramref name="logits"/> ([batch, vocab]); <paramref name="previousTokens"/> holds
    /// each sequence so far (for repetition penalties).
    /// </summary>
    int[] Sample(Tensor logits, IReadOnlyList<IReadOnlyList<int>> previousTokens, IRandomSource random);

    /// <summary>
    /// The distribution <see cref="Sample"/> draws from, [batch, vocab], each row summing to 1: the softmax of the
    /// processed scores when sampling, and all mass on the greedy choice otherwise. Speculative decoding compares the
    /// draft model's and the target model's distributions through it.
    /// </summary>
    Tensor Distribution(Tensor logits, IReadOnlyList<IReadOnlyList<int>> previousTokens);
}

/// <summary>Rewrites scores before sampling (temperature, top-k, top-p, penalties), as transformers' logits processors do.</summary>
public interface ILogitsProcessor
{
    /// <summary>Transforms <paramref name="scores"/> ([batch, vocab]) in place; masked entries become negative infinity.</summary>
    void Process(IReadOnlyList<IReadOnlyList<int>> inputIds, Tensor scores);
}
