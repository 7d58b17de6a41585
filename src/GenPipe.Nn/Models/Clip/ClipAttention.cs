using GenPipe.Nn.Layers;
using GenPipe.Tensors;

namespace GenPipe.Nn.Models.Clip;

/// <summary>
/// CLIP's multi-head self-attention as transformers' <c>CLIPAttention</c>: biased <c>q_proj</c>, <c>k_proj</c>,
/// <c>v_proj</c>, <c>out_proj</c>, scores scaled by head_dim^-1/2. The text model runs it causally: position i sees
/// positions up to i, which is what transformers' additive causal mask gives.
/// </summary>
public sealed class ClipAttention : Module
{
    // A field, not a constant span: unoptimized code builds a constant int span through reflection on every call.
    private static readonly int[] HeadsFirst = [0, 2, 1, 3];

    private readonly ActivationBuffer _heads;

    /// <summary>Creates the attention over <paramref name="dim"/> features in <paramref name="heads"/> heads.</summary>
    public ClipAttention(int dim, int heads)
    {
        _heads = AddBuffer();
        ArgumentOutOfRangeException.ThrowIfLessThan(heads, 1);
        if (dim % heads != 0)
        {
            throw new ArgumentException($"{dim} features do not divide into {heads} heads.", nameof(heads));
        }

        Heads = heads;
        HeadDim = dim / heads;
        KProj = AddChild("k_proj", new Linear(dim, dim));
        VProj = AddChild("v_proj", new Linear(dim, dim));
        QProj = AddChild("q_proj", new Linear(dim, dim));
        OutProj = AddChild("out_proj", new Linear(dim, dim));
    }

    /// <summary>Heads.</summary>
    public int Heads { get; }

    /// <summary>Features per head.</summary>
    public int HeadDim { get; }

    /// <summary>The query projection.</summary>
    public Linear QProj { get; }

    /// <summary>The key projection.</summary>
    public Linear KProj { get; }

    /// <summary>The value projection.</summary>
    public Linear VProj { get; }

    /// <summary>The output projection.</summary>
    public Linear OutProj { get; }

    /// <summary>
    /// Attends <paramref name="hidden"/> [B, L, D] to itself (causally when <paramref name="causal"/>) and returns
    /// <c>out_proj(attention) + residual</c> [B, L, D], the residual fused into the projection; valid until the next forward.
    /// </summary>
    public TensorView Forward(TensorView hidden, TensorView residual, bool causal = true)
    {
        int b = hidden.Dim(0), l = hidden.Dim(1);
        var q = QProj.Forward(hidden);
        var k = KProj.Forward(hidden);
        var v = VProj.Forward(hidden);
        var heads = _heads.Get(b, l, Heads * HeadDim);
        Backend.Attention(Split(q, b, l), Split(k, b, l), Split(v, b, l), Split(heads, b, l), 1f / MathF.Sqrt(HeadDim), causal);
        return OutProj.Forward(heads, residual: residual);
    }

    // [B, L, H·D] as [B, H, L, D] without a copy.
    private TensorView Split(TensorView projected, int batch, int length) =>
        projected.Reshape(batch, length, Heads, HeadDim).Permute(HeadsFirst);
}
