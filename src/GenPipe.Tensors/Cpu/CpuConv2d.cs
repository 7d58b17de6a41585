using GenPipe.Tensors.Backends;
using GenPipe.Tensors.Threading;

namespace GenPipe.Tensors.Cpu;

// PLACEHOLDER: replaced by the kernel's owner; every member throws until then.
internal static class CpuConv2d
{
    public static PackedConv2d Pack(TensorView weight, Conv2dGeometry geometry) => throw new NotImplementedException();
    public static void Run(TensorView input, PackedConv2d weight, TensorView output, in GemmEpilogue epilogue, CpuWorkers workers) => throw new NotImplementedException();
}
