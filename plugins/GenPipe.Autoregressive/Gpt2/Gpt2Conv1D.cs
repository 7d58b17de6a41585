using GenPipe.Tensors;
using GenPipe.Tensors.Backends;

using GenPipe.Nn;

namespace GenPipe.Autoregressive.Gpt2;

/// <summary>
/// GPT-2's <c>Conv1D</c>: <c>y = x W + b</c> with <c>weight</c> [in, out] (the transpose of <c>nn.Linear</c>'s layout)
/// and <c>bias</c> [out]. The weight is packed as is; bias, activation and residual are fused into the epilogue.
/// </summary>
public sealed class Gpt2Conv1D : Module
{
    private readonly ActivationBuffer _output;
    private PackedMatrix? _packed;

    /// <inheritdoc />
    protected override long PreparedBytes => _packed?.ByteCount ?? 0;

    /// <summary>Creates a projection of <paramref name="inFeatures"/> to <paramref name="outFeatures"/>.</summary>
    public Gpt2Conv1D(int inFeatures, int outFeatures)
    {
        _output = AddBuffer();
        ArgumentOutOfRangeException.ThrowIfLessThan(inFeatures, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outFeatures, 1);
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = AddParameter("weight", inFeatures, outFeatures);
        Bias = AddParameter("bias", outFeatures);
    }

    /// <summary>Input features.</summary>
    public int InFeatures { get; }

    /// <summary>Output features.</summary>
    public int OutFeatures { get; }

    /// <summary>The weight [in, out].</summary>
    public Parameter Weight { get; }

    /// <summary>The bias [out].</summary>
    public Parameter Bias { get; }

    /// <summary>
    /// <c>activation(x W + b) + residual</c> for <paramref name="input"/> [..., in] (unit last stride) into the
    /// module's own [..., out] buffer, valid until its next forward.
    /// </summary>
    public TensorView Forward(TensorView input, Activation activation = Activation.None, TensorView residual = default)
    {
        if (input.Dim(-1) != InFeatures)
        {
            throw new ArgumentException($"Conv1D({InFeatures} -> {OutFeatures}) got input {input.Shape}.", nameof(input));
        }

        Span<int> shape = stackalloc int[input.Rank];
        input.Shape.CopyTo(shape);
        shape[^1] = OutFeatures;
        var output = _output.Get(shape);
        var packed = _packed ?? throw new InvalidOperationException("Conv1D has no weights yet; call LoadWeights before Forward.");
        Backend.MatMul(input, packed, output, new GemmEpilogue(Bias.View, activation, residual));
        return output;
    }

    /// <inheritdoc />
    protected override void OnWeightsLoaded() => _packed = Backend.PackMatrix(Weight.View);
}
