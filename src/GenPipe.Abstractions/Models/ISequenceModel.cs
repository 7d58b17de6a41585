using GenPipe.Tensors;

namespace GenPipe.Abstractions.Models;

/// <summary>An autoregressive model: tokens plus a key/value cache -> next-token logits.</summary>
public interface ISequenceModel
{
    /// <summary>The number of token ids.</summary>
    int VocabularySize { get; }

    /// <summary>The longest sequence (cache included) the model accepts.</summary>
    int MaxSequenceLength { get; }

    /// <summary>A cache for <paramref name="batchSize"/> sequences.</summary>
    IKeyValueCache CreateCache(int batchSize);

    /// <summary>
    /// Appends <paramref name="tokens"/> ([batch, newLength], row-major) to the cached sequences and returns the logits
    /// for every new position, [batch, newLength, vocab].
    /// </summary>
    ValueTask<Tensor> ForwardAsync(ReadOnlyMemory<int> tokens, int batchSize, IKeyValueCache cache, CancellationToken cancellationToken);
}

/// <summary>The attention keys and values of the positions processed so far.</summary>
public interface IKeyValueCache : IDisposable
{
    /// <summary>How many positions are cached.</summary>
    int Length { get; }

    /// <summary>Forgets positions from <paramref name="length"/> on (speculative decoding rolls back rejected drafts).</summary>
    void Truncate(int length);
}
