using GenPipe.Tensors;
using GenPipe.Tensors.SafeTensors;

namespace GenPipe.Bench.Kernels;

// PLACEHOLDER until GenPipe.Nn's SmallUNet lands.
internal sealed class UNetCase(SafeTensorsFile file) : BenchCase
{
    public override Tensor Expected { get; } = file.Load("input.expected");

    public override TensorView Output => throw new NotImplementedException();

    public override void Run() => throw new NotImplementedException();
}
