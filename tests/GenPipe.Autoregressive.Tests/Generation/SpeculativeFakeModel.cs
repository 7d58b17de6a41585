using System.Text;
using GenPipe.Abstractions.Models;
using GenPipe.Tensors;

namespace GenPipe.Autoregressive.Tests.Generation;

/// <summary>
/// A tiny language model whose logits are a closed-form function of the whole prefix, so a test can enumerate its exact
/// distributions. Its cache keeps the tokens themselves: logits depend on what the cache holds, so a decoder that rolls
/// a cache back wrongly gets the wrong distributions. Token ids 0..n-1 are the letters 'a', 'b', ...
/// </summary>
internal sealed class SpeculativeFakeModel : ILanguageModel
{
    private readonly Func<IReadOnlyList<int>, int, double> _logit;

    /// <param name="vocabulary">The number of token ids.</param>
    /// <param name="logit">The logit of token <c>v</c> after a prefix.</param>
    /// <param name="maxSequenceLength">The context; a forward past it throws.</param>
    public SpeculativeFakeModel(int vocabulary, Func<IReadOnlyList<int>, int, double> logit, int maxSequenceLength = 64)
    {
        VocabularySize = vocabulary;
        _logit = logit;
        MaxSequenceLength = maxSequenceLength;
        Tokenizer = new LetterTokenizer(vocabulary);
    }

    public int VocabularySize { get; }

    public int MaxSequenceLength { get; }

    public ITokenizer Tokenizer { get; }

    public IReadOnlyList<int> EndOfSequenceTokenIds => [];

    public int? BeginningOfSequenceTokenId => 0;

    /// <summary>Forward calls so far.</summary>
    public int Calls { get; private set; }

    /// <summary>The longest any cache of this model has been.</summary>
    public int LongestCache { get; private set; }

    /// <summary>The logits after <paramref name="prefix"/>.</summary>
    public double[] Logits(IReadOnlyList<int> prefix) => [.. Enumerable.Range(0, VocabularySize).Select(v => _logit(prefix, v))];

    public IKeyValueCache CreateCache(int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(batchSize, 1);
        return new TokenCache();
    }

    public ValueTask<Tensor> ForwardAsync(ReadOnlyMemory<int> tokens, int batchSize, IKeyValueCache cache, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(batchSize, 1);
        var held = ((TokenCache)cache).Tokens;
        if (tokens.Length == 0 || held.Count + tokens.Length > MaxSequenceLength)
        {
            throw new ArgumentException($"{held.Count} cached + {tokens.Length} new tokens: outside 1..{MaxSequenceLength}.", nameof(tokens));
        }

        var logits = Tensor.Zeros(1, tokens.Length, VocabularySize);
        for (int i = 0; i < tokens.Length; i++)
        {
            int id = tokens.Span[i];
            ArgumentOutOfRangeException.ThrowIfNegative(id);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(id, VocabularySize);
            held.Add(id);
            for (int v = 0; v < VocabularySize; v++)
            {
                logits.Span[(i * VocabularySize) + v] = (float)_logit(held, v);
            }
        }

        Calls++;
        LongestCache = Math.Max(LongestCache, held.Count);
        return ValueTask.FromResult(logits);
    }

    private sealed class TokenCache : IKeyValueCache
    {
        public List<int> Tokens { get; } = [];

        public int Length => Tokens.Count;

        public void Truncate(int length)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(length);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Tokens.Count);
            Tokens.RemoveRange(length, Tokens.Count - length);
        }

        public void Dispose()
        {
        }
    }

    private sealed class LetterTokenizer(int size) : ITokenizer
    {
        public int VocabularySize => size;

        public IReadOnlyList<int> Encode(string text) => [.. text.Select(c => c - 'a')];

        public string Decode(ReadOnlySpan<int> ids)
        {
            var text = new StringBuilder(ids.Length);
            foreach (int id in ids)
            {
                text.Append((char)('a' + id));
            }

            return text.ToString();
        }
    }
}
