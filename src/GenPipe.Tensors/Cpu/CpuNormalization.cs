using GenPipe.Tensors.Backends;
using GenPipe.Tensors.Threading;

namespace GenPipe.Tensors.Cpu;

// PLACEHOLDER: replaced by the kernel's owner; every member throws until then.
internal static class CpuNormalization
{
    public static void GroupNorm(TensorView input, int groups, TensorView gamma, TensorView beta, float epsilon, TensorView output, Activation activation, CpuWorkers workers) => throw new NotImplementedException();
    public static void LayerNorm(TensorView input, TensorView gamma, TensorView beta, float epsilon, TensorView output, CpuWorkers workers) => throw new NotImplementedException();
}
