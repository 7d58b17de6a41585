using GenPipe.Nn;
using GenPipe.Nn.Models;
using GenPipe.Tensors;
using GenPipe.Tensors.Backends;
using GenPipe.Tensors.SafeTensors;

namespace GenPipe.Bench.Kernels;

/// <summary>
/// A whole SmallUNet forward (bench/torch/small_unet.py in PyTorch, GenPipe.Nn's SmallUNet here) on the same weights;
/// the file holds the state dictionary plus <c>input.sample</c>, <c>input.timesteps</c> and <c>input.expected</c>.
/// </summary>
internal sealed class UNetCase : BenchCase
{
    private readonly SmallUNet _model;
    private readonly Tensor _sample;
    private readonly float[] _timesteps;
    private TensorView _output;

    public UNetCase(SafeTensorsFile file)
    {
        var weights = file.Entries.Keys
            .Where(name => !name.StartsWith("input.", StringComparison.Ordinal))
            .ToDictionary(name => name, file.Load, StringComparer.Ordinal);
        _model = SmallUNet.Load(new SmallUNetConfig(), new DictionaryWeightSource(weights, file.Path), TensorBackends.Cpu);
        _sample = file.Load("input.sample");
        _timesteps = file.Load("input.timesteps").View.ToArray();
        Expected = file.Load("input.expected");
    }

    public override Tensor Expected { get; }

    public override TensorView Output => _output;

    public override void Run() => _output = _model.Forward(_sample, _timesteps);
}
