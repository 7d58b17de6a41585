using GenPipe.Tensors;

using GenPipe.Nn;

namespace GenPipe.Autoregressive.Gpt2;

/// <summary>
/// GPT-2's causal self-attention: the fused projection <c>c_attn</c> (queries, keys, values side by side), attention
/// over the cached positions plus the new ones, and the output projection <c>c_proj</c>.
/// </summary>
public sealed class Gpt2Attention : Module
{
    // A field, not a constant span: unoptimized code builds a constant int span through reflection on every call.
    private static readonly int[] HeadsFirst = [0, 2, 1, 3];

    private readonly ActivationBuffer _heads;

    /// <summary>Creates the module for <paramref name="embeddingDim"/> features in <paramref name="heads"/> heads.</summary>
    public Gpt2Attention(int embeddingDim, int heads)
    {
        _heads = AddBuffer();
        ArgumentOutOfRangeException.ThrowIfLessThan(heads, 1);
        if (embeddingDim < 1 || embeddingDim % heads != 0)
        {
            throw new ArgumentException($"embeddingDim ({embeddingDim}) must be a positive multiple of heads ({heads}).", nameof(embeddingDim));
        }

        EmbeddingDim = embeddingDim;
        Heads = heads;
        HeadDim = embeddingDim / heads;
        CAttn = AddChild("c_attn", new Gpt2Conv1D(embeddingDim, 3 * embeddingDim));
        CProj = AddChild("c_proj", new Gpt2Conv1D(embeddingDim, embeddingDim));
    }

    /// <summary>Features.</summary>
    public int EmbeddingDim { get; }

    /// <summary>Heads.</summary>
    public int Heads { get; }

    /// <summary>Features per head.</summary>
    public int HeadDim { get; }

    /// <summary>The fused query/key/value projection.</summary>
    public Gpt2Conv1D CAttn { get; }

    /// <summary>The output projection.</summary>
    public Gpt2Conv1D CProj { get; }

    /// <summary>
    /// Attends the new positions <paramref name="normed"/> [B, L, C] to the <paramref name="cache"/>'s first
    /// <see cref="Gpt2KeyValueCache.Length"/> positions and to themselves (causally), writing their keys and values
    /// into <paramref name="layer"/>'s cache buffers; returns <c>c_proj(attention) + residual</c> [B, L, C].
    /// </summary>
    public TensorView Forward(TensorView normed, TensorView residual, Gpt2KeyValueCache cache, int layer)
    {
        ArgumentNullException.ThrowIfNull(cache);
        int b = normed.Dim(0), l = normed.Dim(1), c = EmbeddingDim, past = cache.Length;
        var qkv = CAttn.Forward(normed).Reshape(b, l, 3, Heads, HeadDim);
        var keys = cache.Keys(layer);
        var values = cache.Values(layer);

        // Each (sequence, head) slice [L, D] of the cache is contiguous; the projection's is strided by 3C.
        for (int s = 0; s < b; s++)
        {
            for (int h = 0; h < Heads; h++)
            {
                Backend.Copy(qkv.Select(0, s).Select(1, 1).Select(1, h), keys.Select(0, s).Select(0, h).Slice(0, past, l));
                Backend.Copy(qkv.Select(0, s).Select(1, 2).Select(1, h), values.Select(0, s).Select(0, h).Slice(0, past, l));
            }
        }

        var heads = _heads.Get(b, l, c);
        var query = qkv.Select(2, 0).Permute(HeadsFirst);
        var output = heads.Reshape(b, l, Heads, HeadDim).Permute(HeadsFirst);
        float scale = 1f / MathF.Sqrt(HeadDim);
        if (cache.IsPadded)
        {
            // Each sequence attends from its first real token on; the keys of its left padding are never seen.
            Backend.Attention(query, keys.Slice(2, 0, past + l), values.Slice(2, 0, past + l), output, scale, causal: true, cache.KeyStarts);
        }
        else
        {
            Backend.Attention(query, keys.Slice(2, 0, past + l), values.Slice(2, 0, past + l), output, scale, causal: true);
        }

        return CProj.Forward(heads, residual: residual);
    }
}
