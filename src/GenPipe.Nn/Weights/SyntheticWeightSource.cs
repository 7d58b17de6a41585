using GenPipe.Tensors;

namespace GenPipe.Nn;

/// <summary>
/// Deterministic weights computed from each parameter's name and element index, identical to
/// <c>synthetic_weights_</c> in <c>bench/torch/small_unet.py</c>: a model can be run and compared with PyTorch (or
/// benchmarked) at full size without a weights file.
/// </summary>
/// <remarks>
/// Element i of parameter <c>name</c> is <c>u = frac(sin((i + 1) · 12.9898 + (fnv1a(name) mod 100000) · 0.001) · 43758.5453)</c>
/// in float64; 1-D norm parameters become <c>1 ± 0.1</c> (weights) or <c>± 0.1</c> (biases), everything else
/// <c>(2u − 1) / √fan_in</c>, rounded to float32 last. Not random in any statistical sense; just fixed and spread.
/// </remarks>
public sealed class SyntheticWeightSource : IWeightSource
{
    private readonly Dictionary<string, int[]> _shapes;

    /// <summary>Weights for every parameter of <paramref name="model"/>.</summary>
    public SyntheticWeightSource(Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        _shapes = model.NamedParameters().ToDictionary(p => p.Key, p => p.Value.Shape.ToArray(), StringComparer.Ordinal);
    }

    /// <inheritdoc />
    public string Description => "synthetic weights (small_unet.py synthetic_weights_)";

    /// <inheritdoc />
    public IEnumerable<string> Names => _shapes.Keys;

    /// <inheritdoc />
    public IReadOnlyList<int> GetShape(string name) => Shape(name);

    /// <inheritdoc />
    public Tensor Load(string name)
    {
        int[] shape = Shape(name);
        var values = new float[shape.Aggregate(1, (a, b) => a * b)];
        double phase = (Fnv1a(name) % 100000) * 0.001;
        bool norm = shape.Length == 1 && name.Contains("norm", StringComparison.Ordinal);
        double bound = norm ? 0.1 : 1.0 / Math.Sqrt(FanIn(shape));
        double center = norm && name.EndsWith("weight", StringComparison.Ordinal) ? 1.0 : 0.0;
        for (int i = 0; i < values.Length; i++)
        {
            double x = Math.Sin(((i + 1.0) * 12.9898) + phase) * 43758.5453;
            double u = x - Math.Floor(x);
            values[i] = (float)(center + (bound * ((2.0 * u) - 1.0)));
        }

        return new Tensor(values, shape);
    }

    private int[] Shape(string name) =>
        _shapes.TryGetValue(name, out int[]? shape) ? shape : throw new KeyNotFoundException($"{Description} has no tensor '{name}'.");

    // PyTorch's fan-in: input features times the receptive field (1-D tensors: their length).
    private static int FanIn(int[] shape) =>
        shape.Length == 1 ? shape[0] : shape[1] * shape.Skip(2).Aggregate(1, (a, b) => a * b);

    private static uint Fnv1a(string name)
    {
        uint h = 2166136261;
        foreach (byte b in System.Text.Encoding.UTF8.GetBytes(name))
        {
            h = (h ^ b) * 16777619;
        }

        return h;
    }
}
