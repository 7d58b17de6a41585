using GenPipe.Nn.Normalization;
using GenPipe.Tensors;

using GenPipe.Nn;

namespace GenPipe.Autoregressive.Gpt2;

/// <summary>A pre-norm GPT-2 block: <c>x += attn(ln_1(x)); x += mlp(ln_2(x))</c>.</summary>
public sealed class Gpt2Block : Module
{
    /// <summary>Creates a block for <paramref name="config"/>.</summary>
    public Gpt2Block(Gpt2Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        Ln1 = AddChild("ln_1", new LayerNorm(config.EmbeddingDim, config.LayerNormEpsilon));
        Attn = AddChild("attn", new Gpt2Attention(config.EmbeddingDim, config.Heads));
        Ln2 = AddChild("ln_2", new LayerNorm(config.EmbeddingDim, config.LayerNormEpsilon));
        Mlp = AddChild("mlp", new Gpt2Mlp(config.EmbeddingDim));
    }

    /// <summary>The norm before attention.</summary>
    public LayerNorm Ln1 { get; }

    /// <summary>The attention.</summary>
    public Gpt2Attention Attn { get; }

    /// <summary>The norm before the feed-forward.</summary>
    public LayerNorm Ln2 { get; }

    /// <summary>The feed-forward.</summary>
    public Gpt2Mlp Mlp { get; }

    /// <summary>The block on <paramref name="hidden"/> [B, L, C] (new positions after the cache's); valid until its next forward.</summary>
    public TensorView Forward(TensorView hidden, Gpt2KeyValueCache cache, int layer)
    {
        var attended = Attn.Forward(Ln1.Forward(hidden), hidden, cache, layer);
        return Mlp.Forward(Ln2.Forward(attended), attended);
    }
}
