using GenPipe.Tensors;

namespace GenPipe.Schedulers.Tests;

/// <summary>A random source that hands out recorded noise tensors in order, so stochastic trajectories replay exactly.</summary>
public sealed class ReplayingRandomSource(IReadOnlyList<float[]> draws) : IRandomSource
{
    private int _next;

    /// <summary>How many recorded tensors have not been drawn yet.</summary>
    public int Remaining => draws.Count - _next;

    /// <inheritdoc />
    public Tensor Randn(params int[] shape)
    {
        if (_next >= draws.Count)
        {
            throw new InvalidOperationException($"The scheduler drew noise tensor #{_next + 1}, but the reference recorded only {draws.Count}.");
        }

        float[] values = draws[_next++];
        return new Tensor((float[])values.Clone(), shape);
    }

    /// <inheritdoc />
    public double NextDouble() => throw new NotSupportedException("The references record only randn draws.");
}
