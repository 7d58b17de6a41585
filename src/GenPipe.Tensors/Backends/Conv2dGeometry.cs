namespace GenPipe.Tensors.Backends;

/// <summary>The geometry of a 2-D convolution: stride, zero padding, dilation and groups (PyTorch's meanings).</summary>
/// <param name="StrideH">Vertical stride.</param>
/// <param name="StrideW">Horizontal stride.</param>
/// <param name="PadH">Zero rows added above and below.</param>
/// <param name="PadW">Zero columns added left and right.</param>
/// <param name="Groups">Channel groups; input and output channels must both divide by it.</param>
/// <param name="DilationH">Vertical dilation.</param>
/// <param name="DilationW">Horizontal dilation.</param>
public readonly record struct Conv2dGeometry(
    int StrideH = 1, int StrideW = 1, int PadH = 0, int PadW = 0, int Groups = 1, int DilationH = 1, int DilationW = 1)
{
    /// <summary>Square stride and padding, as in <c>nn.Conv2d(..., stride=s, padding=p)</c>.</summary>
    public static Conv2dGeometry Square(int stride, int padding, int groups = 1) => new(stride, stride, padding, padding, groups);

    /// <summary>The output height for an input of <paramref name="height"/> rows and a kernel of <paramref name="kernelH"/>.</summary>
    public int OutputHeight(int height, int kernelH) => ((height + (2 * PadH) - (DilationH * (kernelH - 1)) - 1) / StrideH) + 1;

    /// <summary>The output width for an input of <paramref name="width"/> columns and a kernel of <paramref name="kernelW"/>.</summary>
    public int OutputWidth(int width, int kernelW) => ((width + (2 * PadW) - (DilationW * (kernelW - 1)) - 1) / StrideW) + 1;
}
