using GenPipe.Nn.Embeddings;
using GenPipe.Nn.Normalization;
using GenPipe.Tensors;

using GenPipe.Nn;

namespace GenPipe.Autoregressive.Gpt2;

/// <summary>GPT-2's body (<c>transformer</c>): token and position embeddings <c>wte</c>, <c>wpe</c>, blocks <c>h.{i}</c>, final norm <c>ln_f</c>.</summary>
public sealed class Gpt2Transformer : Module
{
    private readonly Gpt2Block[] _blocks;
    private int[] _positions = [];

    /// <summary>Builds the body for <paramref name="config"/>.</summary>
    public Gpt2Transformer(Gpt2Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Wte = AddChild("wte", new Embedding(config.VocabSize, config.EmbeddingDim));
        Wpe = AddChild("wpe", new Embedding(config.Positions, config.EmbeddingDim));
        _blocks = new Gpt2Block[config.Layers];
        for (int i = 0; i < config.Layers; i++)
        {
            _blocks[i] = AddChild($"h.{i}", new Gpt2Block(config));
        }

        LnF = AddChild("ln_f", new LayerNorm(config.EmbeddingDim, config.LayerNormEpsilon));
    }

    /// <summary>Token embeddings [vocab, C] (also the tied output projection).</summary>
    public Embedding Wte { get; }

    /// <summary>Position embeddings [positions, C].</summary>
    public Embedding Wpe { get; }

    /// <summary>The blocks.</summary>
    public IReadOnlyList<Gpt2Block> Blocks => _blocks;

    /// <summary>The final norm.</summary>
    public LayerNorm LnF { get; }

    /// <summary>
    /// The normalized hidden states [B, L, C] of <paramref name="tokens"/> (B·L ids, row-major) placed after the
    /// cache's positions; every layer's keys and values are written into the cache (the caller advances it). A
    /// sequence's position ids count from its first real token (after its left padding), as if it were alone.
    /// </summary>
    public TensorView Forward(ReadOnlySpan<int> tokens, int batchSize, Gpt2KeyValueCache cache)
    {
        ArgumentNullException.ThrowIfNull(cache);
        int length = tokens.Length / batchSize, past = cache.Length;
        var padding = cache.KeyStarts;
        if (_positions.Length < tokens.Length)
        {
            _positions = new int[tokens.Length];
        }

        for (int s = 0; s < batchSize; s++)
        {
            // Padding positions get id 0: their outputs are never used and no real position attends to them.
            int first = past - padding[s];
            for (int t = 0; t < length; t++)
            {
                _positions[(s * length) + t] = Math.Max(0, first + t);
            }
        }

        var hidden = Wte.Forward(tokens);
        Backend.Add(hidden, Wpe.Forward(_positions.AsSpan(0, tokens.Length)), hidden);
        var x = hidden.Reshape(batchSize, length, Wte.Dim);
        for (int i = 0; i < _blocks.Length; i++)
        {
            x = _blocks[i].Forward(x, cache, i);
        }

        return LnF.Forward(x);
    }
}
