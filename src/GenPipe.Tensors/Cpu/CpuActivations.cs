using GenPipe.Tensors.Backends;
using GenPipe.Tensors.Threading;

namespace GenPipe.Tensors.Cpu;

// PLACEHOLDER: replaced by the kernel's owner; every member throws until then.
internal static class CpuActivations
{
    /// Applies the activation in place to a contiguous run of values (used by fused epilogues too).
    public static void Apply(Span<float> values, Activation activation) => throw new NotImplementedException();
}
