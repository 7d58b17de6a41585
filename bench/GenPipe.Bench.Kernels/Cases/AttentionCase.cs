using GenPipe.Tensors;
using GenPipe.Tensors.Backends;
using GenPipe.Tensors.SafeTensors;

namespace GenPipe.Bench.Kernels;

/// <summary>Non-causal scaled-dot-product attention [1, H, L, D].</summary>
internal sealed class AttentionCase(SafeTensorsFile file) : BenchCase
{
    private readonly Tensor _q = file.Load("q");
    private readonly Tensor _k = file.Load("k");
    private readonly Tensor _v = file.Load("v");
    private readonly Tensor _o = Tensor.Zeros(file.Entries["q"].Shape);

    public override Tensor Expected { get; } = file.Load("expected");

    public override TensorView Output => _o;

    public override void Run() => TensorBackends.Cpu.Attention(_q, _k, _v, _o, 1f / MathF.Sqrt(_q.Dim(-1)), causal: false);
}
