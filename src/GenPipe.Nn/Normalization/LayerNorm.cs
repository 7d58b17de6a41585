using GenPipe.Tensors;

namespace GenPipe.Nn.Normalization;

/// <summary>
/// Layer normalization over the last axis as PyTorch's <c>nn.LayerNorm</c> with an elementwise affine:
/// <c>weight</c> [D] and (optionally) <c>bias</c> [D].
/// </summary>
public sealed class LayerNorm : Module
{
    private readonly ActivationBuffer _output;

    /// <summary>Creates a normalization over a last axis of <paramref name="dim"/> elements.</summary>
    public LayerNorm(int dim, float epsilon = 1e-5f, bool bias = true)
    {
        _output = AddBuffer();
        ArgumentOutOfRangeException.ThrowIfLessThan(dim, 1);
        Dim = dim;
        Epsilon = epsilon;
        Weight = AddParameter("weight", dim);
        Bias = bias ? AddParameter("bias", dim) : null;
    }

    /// <summary>The normalized axis' length.</summary>
    public int Dim { get; }

    /// <summary>Added to the variance.</summary>
    public float Epsilon { get; }

    /// <summary>The scale [D].</summary>
    public Parameter Weight { get; }

    /// <summary>The shift [D], or null.</summary>
    public Parameter? Bias { get; }

    /// <summary>Normalizes <paramref name="input"/> [..., D] into the module's own buffer (valid until its next forward).</summary>
    public TensorView Forward(TensorView input)
    {
        Span<int> shape = stackalloc int[input.Rank];
        input.Shape.CopyTo(shape);
        var output = _output.Get(shape);
        Forward(input, output);
        return output;
    }

    /// <summary>Normalizes <paramref name="input"/> into a caller's contiguous <paramref name="output"/>.</summary>
    public void Forward(TensorView input, TensorView output)
    {
        if (input.Dim(-1) != Dim)
        {
            throw new ArgumentException($"LayerNorm({Dim}) got input {input.Shape}.", nameof(input));
        }

        Backend.LayerNorm(input, Weight.View, Bias is null ? default : Bias.View, Epsilon, output);
    }
}
