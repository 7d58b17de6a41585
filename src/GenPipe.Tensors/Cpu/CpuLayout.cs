using GenPipe.Tensors.Backends;
using GenPipe.Tensors.Threading;

namespace GenPipe.Tensors.Cpu;

// PLACEHOLDER: replaced by the kernel's owner; every member throws until then.
internal static class CpuLayout
{
    public static void Copy(TensorView source, TensorView destination, CpuWorkers workers) => throw new NotImplementedException();
    public static void UpsampleNearest(TensorView input, int scaleH, int scaleW, TensorView output, CpuWorkers workers) => throw new NotImplementedException();
    public static void Concat(ReadOnlySpan<TensorView> inputs, int axis, TensorView output, CpuWorkers workers) => throw new NotImplementedException();
}
