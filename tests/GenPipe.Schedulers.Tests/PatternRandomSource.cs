using GenPipe.Tensors;

namespace GenPipe.Schedulers.Tests;

/// <summary>A deterministic stand-in for noise: draw k returns sin(k * 0.7 + i) per element i, so two runs that draw alike match exactly.</summary>
public sealed class PatternRandomSource : IRandomSource
{
    private int _draws;

    /// <inheritdoc />
    public Tensor Randn(params int[] shape)
    {
        var t = Tensor.Zeros(shape);
        Span<float> values = t.Span;
        float phase = _draws++ * 0.7f;
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = MathF.Sin(phase + i);
        }

        return t;
    }

    /// <inheritdoc />
    public double NextDouble() => (Math.Sin(_draws++) + 1) / 2;
}
