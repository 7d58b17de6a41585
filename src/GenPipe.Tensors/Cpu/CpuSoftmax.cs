using GenPipe.Tensors.Backends;
using GenPipe.Tensors.Threading;

namespace GenPipe.Tensors.Cpu;

// PLACEHOLDER: replaced by the kernel's owner; every member throws until then.
internal static class CpuSoftmax
{
    public static void LastAxis(TensorView input, TensorView output, CpuWorkers workers) => throw new NotImplementedException();
}
