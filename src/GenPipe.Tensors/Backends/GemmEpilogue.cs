namespace GenPipe.Tensors.Backends;

/// <summary>
/// What a matrix product or convolution does to each result before storing it:
/// <c>output = activation(alpha * product + bias) + residual</c>.
/// </summary>
/// <remarks>Fusing these saves a full pass over the output per step, which matters for bandwidth-bound layers.</remarks>
public readonly struct GemmEpilogue
{
    /// <summary>Creates an epilogue.</summary>
    /// <param name="bias">Added along the output's channel axis (the last axis of a matrix product, the channel axis of a convolution); none when <c>default</c>.</param>
    /// <param name="activation">Applied after the bias.</param>
    /// <param name="residual">Same shape as the output, added last; none when <c>default</c>. May alias the output.</param>
    /// <param name="alpha">Scales the product before the bias.</param>
    public GemmEpilogue(TensorView bias = default, Activation activation = Activation.None, TensorView residual = default, float alpha = 1f)
    {
        Bias = bias;
        Activation = activation;
        Residual = residual;
        Alpha = alpha;
    }

    /// <summary>The bias, or none.</summary>
    public TensorView Bias { get; }

    /// <summary>The activation.</summary>
    public Activation Activation { get; }

    /// <summary>The residual, or none.</summary>
    public TensorView Residual { get; }

    /// <summary>The product's scale (1 by default).</summary>
    public float Alpha { get; }

    /// <summary>The plain product: no bias, activation or residual, alpha 1.</summary>
    public static GemmEpilogue None => new(alpha: 1f);
}
