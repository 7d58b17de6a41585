using GenPipe.Tensors;

namespace GenPipe.Schedulers.Tests;

/// <summary>Passes draws through from another random source and keeps a copy of each randn tensor, in order.</summary>
public sealed class RecordingRandomSource(IRandomSource inner) : IRandomSource
{
    private readonly List<float[]> _draws = [];

    /// <summary>The randn tensors drawn so far.</summary>
    public IReadOnlyList<float[]> Draws => _draws;

    /// <inheritdoc />
    public Tensor Randn(params int[] shape)
    {
        var tensor = inner.Randn(shape);
        _draws.Add(tensor.Span.ToArray());
        return tensor;
    }

    /// <inheritdoc />
    public double NextDouble() => inner.NextDouble();
}
