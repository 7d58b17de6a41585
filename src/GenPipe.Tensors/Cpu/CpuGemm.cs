using GenPipe.Tensors.Backends;
using GenPipe.Tensors.Threading;

namespace GenPipe.Tensors.Cpu;

// PLACEHOLDER: replaced by the kernel's owner; every member throws until then.
internal static class CpuGemm
{
    public static PackedMatrix Pack(TensorView b) => throw new NotImplementedException();
    public static void MatMul(TensorView a, TensorView b, TensorView output, in GemmEpilogue epilogue, CpuWorkers workers) => throw new NotImplementedException();
    public static void MatMul(TensorView a, PackedMatrix b, TensorView output, in GemmEpilogue epilogue, CpuWorkers workers) => throw new NotImplementedException();
}
