using GenPipe.Nn.Layers;
using GenPipe.Nn.Normalization;
using GenPipe.Tensors;

namespace GenPipe.Nn.Layers;

/// <summary>
/// Multi-head attention as diffusers' <c>Attention</c>: projections <c>to_q</c>, <c>to_k</c>, <c>to_v</c>,
/// <c>to_out.0</c>, an optional <c>group_norm</c>, self-attention or cross-attention on a context.
/// </summary>
/// <remarks>
/// Image input [B, C, H, W] is attended as H·W tokens of C features (group-normalized first when the module has a
/// group norm) and returned as [B, C, H, W]; with <see cref="ResidualConnection"/> the input is added back, then the
/// result is divided by <see cref="RescaleOutputFactor"/> (diffusers' attention block in UNet2DModel). Token input
/// [B, L, C] returns [B, L, C]; a residual given to <see cref="Forward"/> is fused into <c>to_out.0</c>.
/// </remarks>
public sealed class Attention : Module
{
    // A field, not a constant span: unoptimized code builds a constant int span through reflection on every call.
    private static readonly int[] HeadsFirst = [0, 2, 1, 3];

    private readonly ActivationBuffer _tokens;
    private readonly ActivationBuffer _heads;
    private readonly ActivationBuffer _output;

    /// <summary>Creates the module.</summary>
    /// <param name="queryDim">Features of the attended tokens (channels of an image).</param>
    /// <param name="heads">Attention heads.</param>
    /// <param name="dimHead">Features per head.</param>
    /// <param name="crossAttentionDim">Features of the context; null for self-attention.</param>
    /// <param name="bias">Whether <c>to_q</c>, <c>to_k</c>, <c>to_v</c> have biases.</param>
    /// <param name="outBias">Whether <c>to_out.0</c> has a bias.</param>
    /// <param name="normGroups">Groups of the input <c>group_norm</c>; null for none.</param>
    /// <param name="normEpsilon">The group norm's epsilon.</param>
    /// <param name="residualConnection">Whether the input is added to the output.</param>
    /// <param name="rescaleOutputFactor">Divides the output (after the residual).</param>
    public Attention(
        int queryDim,
        int heads,
        int dimHead,
        int? crossAttentionDim = null,
        bool bias = false,
        bool outBias = true,
        int? normGroups = null,
        float normEpsilon = 1e-5f,
        bool residualConnection = false,
        float rescaleOutputFactor = 1f)
    {
        _tokens = AddBuffer();
        _heads = AddBuffer();
        _output = AddBuffer();
        ArgumentOutOfRangeException.ThrowIfLessThan(heads, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimHead, 1);
        QueryDim = queryDim;
        Heads = heads;
        DimHead = dimHead;
        IsCrossAttention = crossAttentionDim is not null;
        ResidualConnection = residualConnection;
        RescaleOutputFactor = rescaleOutputFactor;
        int inner = heads * dimHead;
        int contextDim = crossAttentionDim ?? queryDim;
        if (normGroups is int groups)
        {
            GroupNorm = AddChild("group_norm", new GroupNorm(groups, queryDim, normEpsilon));
        }

        ToQ = AddChild("to_q", new Linear(queryDim, inner, bias));
        ToK = AddChild("to_k", new Linear(contextDim, inner, bias));
        ToV = AddChild("to_v", new Linear(contextDim, inner, bias));
        ToOut = AddChild("to_out.0", new Linear(inner, queryDim, outBias));
    }

    /// <summary>Features of the attended tokens.</summary>
    public int QueryDim { get; }

    /// <summary>Heads.</summary>
    public int Heads { get; }

    /// <summary>Features per head.</summary>
    public int DimHead { get; }

    /// <summary>True when keys and values come from a context.</summary>
    public bool IsCrossAttention { get; }

    /// <summary>Whether the input is added to the output.</summary>
    public bool ResidualConnection { get; }

    /// <summary>Divides the output.</summary>
    public float RescaleOutputFactor { get; }

    /// <summary>The input normalization, or null.</summary>
    public GroupNorm? GroupNorm { get; }

    /// <summary>The query projection.</summary>
    public Linear ToQ { get; }

    /// <summary>The key projection.</summary>
    public Linear ToK { get; }

    /// <summary>The value projection.</summary>
    public Linear ToV { get; }

    /// <summary>The output projection (<c>to_out.0</c>).</summary>
    public Linear ToOut { get; }

    /// <summary>
    /// Attends <paramref name="hidden"/> ([B, C, H, W] or [B, L, C]) to itself, or to <paramref name="context"/>
    /// [B, Lk, Cc] for cross-attention. The result (the input's shape) is valid until this module's next forward.
    /// </summary>
    /// <param name="hidden">The queries' source.</param>
    /// <param name="context">Keys' and values' source for cross-attention; none for self-attention.</param>
    /// <param name="residual">Token input only: added to the output (fused into <c>to_out.0</c>).</param>
    public TensorView Forward(TensorView hidden, TensorView context = default, TensorView residual = default)
    {
        if (IsCrossAttention && context.IsNone)
        {
            throw new ArgumentException("Cross-attention needs a context.", nameof(context));
        }

        return hidden.Rank switch
        {
            4 => ForwardImage(hidden, context),
            3 => ForwardTokens(hidden, context, residual),
            _ => throw new ArgumentException($"Attention expects [B, C, H, W] or [B, L, C]; got {hidden.Shape}.", nameof(hidden)),
        };
    }

    private TensorView ForwardImage(TensorView image, TensorView context)
    {
        int b = image.Dim(0), c = image.Dim(1), h = image.Dim(2), w = image.Dim(3);
        var normed = GroupNorm is null ? image : GroupNorm.Forward(image);

        // The projections read tokens as rows, so the channel-major image is transposed once into [B, HW, C].
        var tokens = _tokens.Get(b, h * w, c);
        Backend.Copy(normed.Reshape(b, c, h * w).Transpose(1, 2), tokens);
        var projected = Project(tokens, context, default);

        var output = _output.Get(b, c, h, w);
        Backend.Copy(projected.Transpose(1, 2), output.Reshape(b, c, h * w));
        if (ResidualConnection)
        {
            Backend.Add(output, image, output);
        }

        if (RescaleOutputFactor != 1f)
        {
            Backend.Scale(output, 1f / RescaleOutputFactor, output);
        }

        return output;
    }

    private TensorView ForwardTokens(TensorView tokens, TensorView context, TensorView residual)
    {
        if (GroupNorm is not null)
        {
            throw new NotSupportedException("Attention with a group norm takes image input [B, C, H, W].");
        }

        var output = Project(tokens, context, ResidualConnection && residual.IsNone ? tokens : residual);
        if (RescaleOutputFactor != 1f)
        {
            Backend.Scale(output, 1f / RescaleOutputFactor, output);
        }

        return output;
    }

    // Projections, attention and the output projection on [B, L, C] tokens; the residual is fused into to_out.0.
    private TensorView Project(TensorView tokens, TensorView context, TensorView residual)
    {
        var source = context.IsNone ? tokens : context;
        int b = tokens.Dim(0), lq = tokens.Dim(1), lk = source.Dim(1);
        var q = ToQ.Forward(tokens);
        var k = ToK.Forward(source);
        var v = ToV.Forward(source);
        var heads = _heads.Get(b, lq, Heads * DimHead);
        Backend.Attention(
            SplitHeads(q, b, lq),
            SplitHeads(k, b, lk),
            SplitHeads(v, b, lk),
            SplitHeads(heads, b, lq),
            1f / MathF.Sqrt(DimHead),
            causal: false);
        return ToOut.Forward(heads, residual: residual);
    }

    // [B, L, H·D] as [B, H, L, D] without a copy.
    private TensorView SplitHeads(TensorView projected, int batch, int length) =>
        projected.Reshape(batch, length, Heads, DimHead).Permute(HeadsFirst);
}
