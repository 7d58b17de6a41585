using GenPipe.Tensors;

namespace GenPipe.Bench.SchedulerQuality;

/// <summary>Forwards to a generator and counts the draws: a scheduler that draws during its steps is stochastic.</summary>
internal sealed class CountingRandomSource(IRandomSource inner) : IRandomSource
{
    public long Draws { get; private set; }

    public Tensor Randn(params int[] shape)
    {
        Draws++;
        return inner.Randn(shape);
    }

    public double NextDouble()
    {
        Draws++;
        return inner.NextDouble();
    }
}
