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
    /// for every new position, [batch, newLength, vocab]. The result may be a view over memory the model reuses: it is
    /// valid until the model's next call.
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

/// <summary>
/// A sequence model over text, as one model folder holds it: the network, its tokenizer and the ids that end a
/// sequence. This is what the <c>generate</c> operator works with.
/// </summary>
public interface ILanguageModel : ISequenceModel
{
    /// <summary>Turns prompts into ids and generated ids into text.</summary>
    ITokenizer Tokenizer { get; }

    /// <summary>The ids that end a sequence (<c>eos_token_id</c>); empty when the model has none.</summary>
    IReadOnlyList<int> EndOfSequenceTokenIds { get; }

    /// <summary>The id a sequence starts from when the prompt is empty (<c>bos_token_id</c>); null when the model has none.</summary>
    int? BeginningOfSequenceTokenId { get; }
}
