namespace GenPipe.Tensors.Cpu.Conv;

/// The sizes one convolution's packing routine needs: one image's channel planes (dense rows of Width floats,
/// ChannelStride apart), the kernel, the geometry and the output plane.
internal readonly record struct ConvShape(
    int Height,
    int Width,
    nint ChannelStride,
    int KernelH,
    int KernelW,
    int StrideH,
    int StrideW,
    int PadH,
    int PadW,
    int DilationH,
    int DilationW,
    int OutH,
    int OutW);
