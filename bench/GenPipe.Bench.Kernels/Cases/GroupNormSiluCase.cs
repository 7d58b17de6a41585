using GenPipe.Tensors;
using GenPipe.Tensors.Backends;
using GenPipe.Tensors.SafeTensors;

namespace GenPipe.Bench.Kernels;

/// <summary>GroupNorm (32 groups) with SiLU fused, as every ResNet block of a diffusion UNet starts.</summary>
internal sealed class GroupNormSiluCase(SafeTensorsFile file) : BenchCase
{
    private readonly Tensor _x = file.Load("x");
    private readonly Tensor _gamma = file.Load("gamma");
    private readonly Tensor _beta = file.Load("beta");
    private readonly Tensor _y = Tensor.Zeros(file.Entries["x"].Shape);

    public override Tensor Expected { get; } = file.Load("expected");

    public override TensorView Output => _y;

    public override void Run() => TensorBackends.Cpu.GroupNorm(_x, 32, _gamma, _beta, 1e-5f, _y, Activation.Silu);
}
