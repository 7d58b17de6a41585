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
    /// A cache for a left-padded batch of <c>leftPadding.Count</c> sequences: row r starts with
    /// <paramref name="leftPadding"/>[r] padding positions (any token ids) before its first real token. Every later
    /// forward masks them out and numbers each row's positions from its first real token, so each sequence's logits
    /// are those it would have alone. The logits of padding positions are meaningless.
    /// </summary>
    /// <remarks>The default accepts only zero padding (it is then <see cref="CreateCache(int)"/>).</remarks>
    /// <exception cref="NotSupportedException">The model cannot mask padding and some row has it.</exception>
    IKeyValueCache CreateCache(IReadOnlyList<int> leftPadding)
    {
        ArgumentNullException.ThrowIfNull(leftPadding);
        if (leftPadding.Any(p => p != 0))
        {
            throw new NotSupportedException(
                $"{GetType().Name} cannot run a left-padded batch (prompts of unequal length); batch prompts of equal length or generate them one at a time.");
        }

        return CreateCache(leftPadding.Count);
    }

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
