using GenPipe.Tensors;
using GenPipe.Tensors.Backends;

namespace GenPipe.Nn.Layers;

/// <summary>
/// 2-D convolution as PyTorch's <c>nn.Conv2d</c> with a square kernel: <c>weight</c> [out, in / groups, k, k], optional
/// <c>bias</c> [out]. Weights are packed once; bias, activation and a residual are fused into the epilogue.
/// </summary>
public sealed class Conv2d : Module
{
    private readonly ActivationBuffer _output;
    private PackedConv2d? _packed;

    /// <inheritdoc />
    protected override long PreparedBytes => _packed?.ByteCount ?? 0;

    /// <summary>Creates a convolution.</summary>
    public Conv2d(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0, bool bias = true, int groups = 1)
    {
        _output = AddBuffer();
        ArgumentOutOfRangeException.ThrowIfLessThan(inChannels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outChannels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(kernelSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(groups, 1);
        if (inChannels % groups != 0 || outChannels % groups != 0)
        {
            throw new ArgumentException($"Channels {inChannels} -> {outChannels} do not divide into {groups} groups.", nameof(groups));
        }

        InChannels = inChannels;
        OutChannels = outChannels;
        KernelSize = kernelSize;
        Geometry = Conv2dGeometry.Square(stride, padding, groups);
        Weight = AddParameter("weight", outChannels, inChannels / groups, kernelSize, kernelSize);
        Bias = bias ? AddParameter("bias", outChannels) : null;
    }

    /// <summary>Input channels.</summary>
    public int InChannels { get; }

    /// <summary>Output channels.</summary>
    public int OutChannels { get; }

    /// <summary>Kernel height and width.</summary>
    public int KernelSize { get; }

    /// <summary>Stride, padding and groups.</summary>
    public Conv2dGeometry Geometry { get; }

    /// <summary>The weight [out, in / groups, k, k].</summary>
    public Parameter Weight { get; }

    /// <summary>The bias [out], or null.</summary>
    public Parameter? Bias { get; }

    /// <summary>
    /// <c>activation(conv(x) + b) + residual</c> for <paramref name="input"/> [N, in, H, W] into the layer's own
    /// [N, out, Ho, Wo] buffer, valid until this layer's next forward.
    /// </summary>
    public TensorView Forward(TensorView input, Activation activation = Activation.None, TensorView residual = default)
    {
        if (input.Rank != 4)
        {
            throw new ArgumentException($"Conv2d expects [N, C, H, W]; got {input.Shape}.", nameof(input));
        }

        var output = _output.Get(
            input.Dim(0), OutChannels, Geometry.OutputHeight(input.Dim(2), KernelSize), Geometry.OutputWidth(input.Dim(3), KernelSize));
        Forward(input, output, activation, residual);
        return output;
    }

    /// <summary>As <see cref="Forward(TensorView, Activation, TensorView)"/>, into a caller's contiguous <paramref name="output"/>.</summary>
    public void Forward(TensorView input, TensorView output, Activation activation = Activation.None, TensorView residual = default)
    {
        if (input.Rank != 4 || input.Dim(1) != InChannels)
        {
            throw new ArgumentException($"Conv2d({InChannels} -> {OutChannels}) got input {input.Shape}.", nameof(input));
        }

        var packed = _packed ?? throw new InvalidOperationException("Conv2d has no weights yet; call LoadWeights before Forward.");
        Backend.Conv2d(input, packed, output, new GemmEpilogue(Bias is null ? default : Bias.View, activation, residual));
    }

    /// <inheritdoc />
    protected override void OnWeightsLoaded()
    {
        _packed = Backend.PackConv2d(Weight.View, Geometry);

        // Forward reads only the packed copy: the file's pages need not stay resident beside it.
        Weight.ReleasePages();
    }
}
