using System.Text;
using GenPipe.Abstractions.Models;
using GenPipe.Tensors;

namespace GenPipe.Autoregressive.Tests.Generation;

/// <summary>
/// A language model whose next token is a function of the sequence so far (all logits 0 but 10 for that token), over
/// byte tokens: id b is byte b, and text decodes as UTF-8, so a token may end inside a character.
/// </summary>
internal sealed class ScriptedLanguageModel(Func<IReadOnlyList<int>, int> next, int? bos = null, IReadOnlyList<int>? eos = null, int maxLength = 512) : ILanguageModel
{
    public ITokenizer Tokenizer { get; } = new ByteTokenizer();

    public IReadOnlyList<int> EndOfSequenceTokenIds { get; } = eos ?? [];

    public int? BeginningOfSequenceTokenId => bos;

    public int VocabularySize => 256;

    public int MaxSequenceLength => maxLength;

    public int Calls { get; private set; }

    public IKeyValueCache CreateCache(int batchSize) => new Cache(batchSize);

    public ValueTask<Tensor> ForwardAsync(ReadOnlyMemory<int> tokens, int batchSize, IKeyValueCache cache, CancellationToken cancellationToken)
    {
        Calls++;
        var rows = ((Cache)cache).Rows;
        int length = tokens.Length / batchSize;
        var logits = Tensor.Zeros(batchSize, length, VocabularySize);
        for (int b = 0; b < batchSize; b++)
        {
            for (int i = 0; i < length; i++)
            {
                rows[b].Add(tokens.Span[(b * length) + i]);
                logits[b, i, next(rows[b])] = 10f;
            }
        }

        return ValueTask.FromResult(logits);
    }

    private sealed class Cache(int batch) : IKeyValueCache
    {
        public List<int>[] Rows { get; } = [.. Enumerable.Range(0, batch).Select(_ => new List<int>())];

        public int Length => Rows[0].Count;

        public void Truncate(int length)
        {
            foreach (var row in Rows)
            {
                row.RemoveRange(length, row.Count - length);
            }
        }

        public void Dispose()
        {
        }
    }

    private sealed class ByteTokenizer : ITokenizer
    {
        public int VocabularySize => 256;

        public IReadOnlyList<int> Encode(string text) => [.. Encoding.UTF8.GetBytes(text).Select(b => (int)b)];

        public string Decode(ReadOnlySpan<int> ids)
        {
            var bytes = new byte[ids.Length];
            for (int i = 0; i < ids.Length; i++)
            {
                bytes[i] = (byte)ids[i];
            }

            return Encoding.UTF8.GetString(bytes);
        }
    }
}
