using GenPipe.Nn.Layers;
using GenPipe.Nn.Normalization;
using GenPipe.Tensors;

namespace GenPipe.Nn.Blocks;

/// <summary>
/// A pre-norm transformer block as diffusers' <c>BasicTransformerBlock</c> (layer norms, GELU or GEGLU feed-forward):
/// <c>x += attn1(norm1(x))</c>; <c>x += attn2(norm2(x), context)</c> when there is a context; <c>x += ff(norm3(x))</c>.
/// Each residual is fused into the preceding output projection.
/// </summary>
public sealed class BasicTransformerBlock : Module
{
    /// <summary>Creates the block.</summary>
    /// <param name="dim">Token features.</param>
    /// <param name="heads">Attention heads.</param>
    /// <param name="dimHead">Features per head.</param>
    /// <param name="crossAttentionDim">Context features; null for a block without cross-attention.</param>
    /// <param name="attentionBias">Whether q, k, v projections have biases.</param>
    /// <param name="activation">The feed-forward's activation (diffusers' default is GEGLU).</param>
    public BasicTransformerBlock(
        int dim, int heads, int dimHead, int? crossAttentionDim = null, bool attentionBias = false, FeedForwardActivation activation = FeedForwardActivation.Geglu)
    {
        Norm1 = AddChild("norm1", new LayerNorm(dim));
        Attn1 = AddChild("attn1", new Attention(dim, heads, dimHead, bias: attentionBias));
        if (crossAttentionDim is int cross)
        {
            Norm2 = AddChild("norm2", new LayerNorm(dim));
            Attn2 = AddChild("attn2", new Attention(dim, heads, dimHead, cross, bias: attentionBias));
        }

        Norm3 = AddChild("norm3", new LayerNorm(dim));
        Ff = AddChild("ff", new FeedForward(dim, dim * 4, activation));
    }

    /// <summary>Norm before self-attention.</summary>
    public LayerNorm Norm1 { get; }

    /// <summary>Self-attention.</summary>
    public Attention Attn1 { get; }

    /// <summary>Norm before cross-attention, or null.</summary>
    public LayerNorm? Norm2 { get; }

    /// <summary>Cross-attention, or null.</summary>
    public Attention? Attn2 { get; }

    /// <summary>Norm before the feed-forward.</summary>
    public LayerNorm Norm3 { get; }

    /// <summary>The feed-forward.</summary>
    public FeedForward Ff { get; }

    /// <summary>Runs the block on <paramref name="hidden"/> [B, L, dim] with an optional <paramref name="context"/> [B, Lk, Cc].</summary>
    public TensorView Forward(TensorView hidden, TensorView context = default)
    {
        var x = Attn1.Forward(Norm1.Forward(hidden), residual: hidden);
        if (Attn2 is not null)
        {
            x = Attn2.Forward(Norm2!.Forward(x), context, residual: x);
        }

        return Ff.Forward(Norm3.Forward(x), residual: x);
    }
}
