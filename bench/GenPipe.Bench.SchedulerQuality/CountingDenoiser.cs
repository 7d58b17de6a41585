using GenPipe.Abstractions.Models;
using GenPipe.Tensors;

namespace GenPipe.Bench.SchedulerQuality;

/// <summary>
/// A denoiser that counts its calls and forwards them. The bench counts model evaluations here, where they happen,
/// instead of trusting a scheduler's <c>order</c> or its timestep count.
/// </summary>
internal sealed class CountingDenoiser(IDenoiser inner, EvaluationCounter counter) : IDenoiser
{
    public PredictionType PredictionType => inner.PredictionType;

    public IReadOnlyList<int> SampleShape => inner.SampleShape;

    public ValueTask<Tensor> PredictAsync(DenoiserInput input, CancellationToken cancellationToken)
    {
        counter.Increment();
        return inner.PredictAsync(input, cancellationToken);
    }
}
