using GenPipe.Tensors.Backends;
using GenPipe.Tensors.Threading;

namespace GenPipe.Tensors.Cpu;

// PLACEHOLDER: replaced by the kernel's owner; every member throws until then.
internal static class CpuElementwise
{
    public static void Activate(TensorView input, TensorView output, Activation activation, CpuWorkers workers) => throw new NotImplementedException();
    public static void Add(TensorView a, TensorView b, TensorView output, CpuWorkers workers) => throw new NotImplementedException();
    public static void Multiply(TensorView a, TensorView b, TensorView output, CpuWorkers workers) => throw new NotImplementedException();
    public static void Scale(TensorView input, float scale, TensorView output, CpuWorkers workers) => throw new NotImplementedException();
}
