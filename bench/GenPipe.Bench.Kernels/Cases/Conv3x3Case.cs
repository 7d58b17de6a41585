using GenPipe.Tensors;
using GenPipe.Tensors.Backends;
using GenPipe.Tensors.SafeTensors;

namespace GenPipe.Bench.Kernels;

/// <summary>A 3x3, padding 1 convolution with bias; weights packed once, as a loaded model would.</summary>
internal sealed class Conv3x3Case : BenchCase
{
    private readonly Tensor _x;
    private readonly Tensor _bias;
    private readonly PackedConv2d _weight;
    private readonly Tensor _y;

    public Conv3x3Case(SafeTensorsFile file)
    {
        _x = file.Load("x");
        _bias = file.Load("bias");
        _weight = TensorBackends.Cpu.PackConv2d(file.Load("weight"), Conv2dGeometry.Square(1, 1));
        Expected = file.Load("expected");
        _y = Tensor.Zeros(Expected.GetShape());
    }

    public override Tensor Expected { get; }

    public override TensorView Output => _y;

    public override void Run() => TensorBackends.Cpu.Conv2d(_x, _weight, _y, new GemmEpilogue(bias: _bias));
}
