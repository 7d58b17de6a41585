using GenPipe.Abstractions.Models;
using GenPipe.Tensors;

namespace GenPipe.Diffusion.Tests.Fakes;

/// <summary>
/// A denoiser that records its calls. It predicts a constant per sample row: 0 without conditioning, else the first
/// value of that row's embeddings (of the only row when there is one), so guidance arithmetic can be checked exactly,
/// batched or not.
/// </summary>
public sealed class RecordingDenoiser(IReadOnlyList<int> sampleShape, PredictionType predictionType = PredictionType.Epsilon) : IDenoiser
{
    public PredictionType PredictionType { get; } = predictionType;

    public IReadOnlyList<int> SampleShape { get; } = sampleShape;

    public List<DenoiserInput> Calls { get; } = [];

    public ValueTask<Tensor> PredictAsync(DenoiserInput input, CancellationToken cancellationToken)
    {
        Calls.Add(input);
        var prediction = Tensor.Zeros(input.Sample.GetShape());
        if (input.Conditioning is { Embeddings: var embeddings })
        {
            int rows = prediction.Dim(0);
            int size = prediction.Length / rows;
            int embeddingSize = embeddings.Length / embeddings.Dim(0);
            for (int r = 0; r < rows; r++)
            {
                float value = embeddings.Span[(embeddings.Dim(0) == 1 ? 0 : r) * embeddingSize];
                prediction.Span.Slice(r * size, size).Fill(value);
            }
        }

        return ValueTask.FromResult(prediction);
    }
}
