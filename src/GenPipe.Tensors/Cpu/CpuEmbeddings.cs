using GenPipe.Tensors.Backends;
using GenPipe.Tensors.Threading;

namespace GenPipe.Tensors.Cpu;

// PLACEHOLDER: replaced by the kernel's owner; every member throws until then.
internal static class CpuEmbeddings
{
    public static void Lookup(TensorView table, ReadOnlySpan<int> ids, TensorView output) => throw new NotImplementedException();
    public static void Timesteps(ReadOnlySpan<float> timesteps, TensorView output, bool flipSinToCos, float downscaleFreqShift, float scale, float maxPeriod) => throw new NotImplementedException();
}
