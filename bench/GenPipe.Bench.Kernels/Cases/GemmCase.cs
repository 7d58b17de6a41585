using GenPipe.Tensors;
using GenPipe.Tensors.Backends;
using GenPipe.Tensors.SafeTensors;

namespace GenPipe.Bench.Kernels;

/// <summary>C = A · B, square, neither operand pre-packed (as <c>torch.mm</c>).</summary>
internal sealed class GemmCase(SafeTensorsFile file) : BenchCase
{
    private readonly Tensor _a = file.Load("a");
    private readonly Tensor _b = file.Load("b");
    private readonly Tensor _c = Tensor.Zeros(file.Entries["expected"].Shape);

    public override Tensor Expected { get; } = file.Load("expected");

    public override TensorView Output => _c;

    public override void Run() => TensorBackends.Cpu.MatMul(_a, _b, _c, GemmEpilogue.None);
}
