using GenPipe.Tensors.Backends;
using GenPipe.Tensors.Threading;

namespace GenPipe.Tensors.Cpu;

// PLACEHOLDER: replaced by the kernel's owner; every member throws until then.
internal static class CpuAttention
{
    public static void Run(TensorView query, TensorView key, TensorView value, TensorView output, float scale, bool causal, CpuWorkers workers) => throw new NotImplementedException();
}
