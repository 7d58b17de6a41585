using GenPipe.Abstractions.Models;
using GenPipe.Tensors;

namespace GenPipe.Diffusion.Tests.Fakes;

/// <summary>
/// A denoiser that records its calls. By default it predicts a constant per conditioning: 0 without one, else the
/// first value of the conditioning's embeddings, so guidance arithmetic can be checked exactly.
/// </summary>
public sealed class RecordingDenoiser(IReadOnlyList<int> sampleShape, PredictionType predictionType = PredictionType.Epsilon) : IDenoiser
{
    public PredictionType PredictionType { get; } = predictionType;

    public IReadOnlyList<int> SampleShape { get; } = sampleShape;

    public List<DenoiserInput> Calls { get; } = [];

    public ValueTask<Tensor> PredictAsync(DenoiserInput input, CancellationToken cancellationToken)
    {
        Calls.Add(input);
        float value = input.Conditioning is null ? 0f : input.Conditioning.Embeddings.Span[0];
        return ValueTask.FromResult(Tensor.Full(value, input.Sample.GetShape()));
    }
}
