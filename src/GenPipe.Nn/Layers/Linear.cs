using GenPipe.Tensors;
using GenPipe.Tensors.Backends;

namespace GenPipe.Nn.Layers;

/// <summary>
/// <c>y = x Wᵀ + b</c> as PyTorch's <c>nn.Linear</c>: <c>weight</c> [out, in], optional <c>bias</c> [out]. The weight
/// is packed once for the backend; bias, an activation and a residual are fused into the product's epilogue.
/// </summary>
public sealed class Linear : Module
{
    private readonly ActivationBuffer _output;
    private PackedMatrix? _packed;

    /// <inheritdoc />
    protected override long PreparedBytes => _packed?.ByteCount ?? 0;

    /// <summary>Creates a layer of <paramref name="inFeatures"/> to <paramref name="outFeatures"/>.</summary>
    public Linear(int inFeatures, int outFeatures, bool bias = true)
    {
        _output = AddBuffer();
        ArgumentOutOfRangeException.ThrowIfLessThan(inFeatures, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outFeatures, 1);
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = AddParameter("weight", outFeatures, inFeatures);
        Bias = bias ? AddParameter("bias", outFeatures) : null;
    }

    /// <summary>Input features.</summary>
    public int InFeatures { get; }

    /// <summary>Output features.</summary>
    public int OutFeatures { get; }

    /// <summary>The weight [out, in].</summary>
    public Parameter Weight { get; }

    /// <summary>The bias [out], or null.</summary>
    public Parameter? Bias { get; }

    /// <summary>
    /// <c>activation(x Wᵀ + b) + residual</c> for <paramref name="input"/> [..., in] (unit last stride) into the
    /// layer's own [..., out] buffer, valid until this layer's next forward.
    /// </summary>
    public TensorView Forward(TensorView input, Activation activation = Activation.None, TensorView residual = default)
    {
        Span<int> shape = stackalloc int[input.Rank];
        input.Shape.CopyTo(shape);
        shape[^1] = OutFeatures;
        var output = _output.Get(shape);
        Forward(input, output, activation, residual);
        return output;
    }

    /// <summary>As <see cref="Forward(TensorView, Activation, TensorView)"/>, into a caller's contiguous <paramref name="output"/> [..., out].</summary>
    public void Forward(TensorView input, TensorView output, Activation activation = Activation.None, TensorView residual = default)
    {
        if (input.Dim(-1) != InFeatures)
        {
            throw new ArgumentException($"Linear({InFeatures} -> {OutFeatures}) got input {input.Shape}.", nameof(input));
        }

        var packed = _packed ?? throw new InvalidOperationException("Linear has no weights yet; call LoadWeights before Forward.");
        Backend.MatMul(input, packed, output, new GemmEpilogue(Bias is null ? default : Bias.View, activation, residual));
    }

    /// <inheritdoc />
    protected override void OnWeightsLoaded()
    {
        _packed = Backend.PackMatrix(Weight.View.Transpose(0, 1));

        // Forward reads only the packed copy: the file's pages need not stay resident beside it.
        Weight.ReleasePages();
    }
}
