using GenPipe.Abstractions.Models;
using GenPipe.Tensors;
using Xunit;
using Xunit.Abstractions;

namespace GenPipe.Testing;

/// <summary>
/// What every <see cref="IDenoiser"/> must do. A plugin's test project derives a public class from this one and says
/// how to create the denoiser; the facts then run against it: the prediction has the sample's shape, rows of a batch do
/// not influence each other, the same input gives the same floats, a cancelled token stops the call, inputs are left
/// alone, and concurrent calls give what one-by-one calls give.
/// </summary>
/// <remarks>
/// Samples are standard normal draws of shape [batch, ..SampleShape] (override <see cref="CreateSample"/> for other
/// inputs), evaluated at each of <see cref="Timesteps"/>, with <see cref="CreateConditioning"/> (none by default).
/// </remarks>
public abstract class DenoiserConformance(ITestOutputHelper? output = null) : ComponentConformance<IDenoiser>(output)
{
    /// <summary>The training timesteps evaluated; the default spans diffusers' usual 1000-step schedule.</summary>
    protected virtual IReadOnlyList<float> Timesteps => [999f, 500f, 0f];

    /// <summary>A batch of noisy samples of shape [batchSize, ..sampleShape]; <paramref name="seed"/> makes batches differ.</summary>
    protected virtual Tensor CreateSample(IReadOnlyList<int> sampleShape, int batchSize, int seed) => Randn(seed, Batched(batchSize, sampleShape));

    /// <summary>
    /// The conditioning of a batch of <paramref name="batchSize"/>, batch first in every tensor, or null (the default)
    /// for an unconditional model. Rows should differ, so the batch check can tell them apart.
    /// </summary>
    protected virtual Conditioning? CreateConditioning(int batchSize, int seed) => null;

    /// <summary>SampleShape is one sample's shape, with no zero or negative dimension; PredictionType is a known kind.</summary>
    [Fact]
    public void Declares_its_sample_shape_and_prediction_type()
    {
        var denoiser = Create();
        Assert.NotEmpty(denoiser.SampleShape);
        Assert.All(denoiser.SampleShape, d => Assert.True(d > 0, $"SampleShape {Format(denoiser.SampleShape)} has a dimension below 1."));
        Assert.True(Enum.IsDefined(denoiser.PredictionType), $"PredictionType {(int)denoiser.PredictionType} is not a PredictionType value.");
        Assert.Equal(denoiser.SampleShape, Create().SampleShape);
        Log($"SampleShape {Format(denoiser.SampleShape)}, {denoiser.PredictionType}.");
    }

    /// <summary>The prediction has the input sample's shape, [batch, ..SampleShape], for one item and for a batch, with finite values.</summary>
    [Fact]
    public async Task The_prediction_has_the_shape_of_the_sample()
    {
        var denoiser = Create();
        foreach (int batch in new[] { 1, BatchSize })
        {
            foreach (float t in Timesteps)
            {
                var input = Input(denoiser, batch, seed: 1, t);
                var prediction = await denoiser.PredictAsync(input, CancellationToken.None);
                TensorAssert.Shape(input.Sample.GetShape(), prediction, $"prediction for a batch of {batch} at t={t}");
                TensorAssert.Shape(Batched(batch, denoiser.SampleShape), prediction, $"prediction for a batch of {batch} at t={t} against [batch, ..SampleShape]");
                TensorAssert.Finite(prediction, $"prediction for a batch of {batch} at t={t}");
            }
        }
    }

    /// <summary>Row i of a batched prediction equals (to <see cref="ComponentConformance{T}.Tolerance"/>) row i predicted alone.</summary>
    [Fact]
    public async Task Rows_of_a_batch_do_not_influence_each_other()
    {
        var denoiser = Create();
        double largest = 0;
        foreach (float t in Timesteps)
        {
            var batched = Input(denoiser, BatchSize, seed: 2, t);
            var together = await denoiser.PredictAsync(batched, CancellationToken.None);
            for (int i = 0; i < BatchSize; i++)
            {
                var alone = await denoiser.PredictAsync(Batches.Row(batched, i), CancellationToken.None);
                largest = Math.Max(largest, TensorAssert.Close(alone, Batches.Row(together, i), Tolerance, $"row {i} of a batch of {BatchSize} at t={t} against the row alone"));
            }
        }

        Log($"largest |batched - alone| {largest:R} (tolerance {Tolerance}).");
    }

    /// <summary>The same input gives the same floats: twice on one instance, and on a second instance from the factory.</summary>
    [Fact]
    public async Task The_same_input_gives_the_same_prediction()
    {
        var denoiser = Create();
        foreach (float t in Timesteps)
        {
            var input = Input(denoiser, BatchSize, seed: 3, t);
            var first = await denoiser.PredictAsync(input, CancellationToken.None);
            AssertSame(first, await denoiser.PredictAsync(input, CancellationToken.None), $"a second call at t={t}");
            AssertSame(first, await Create().PredictAsync(input, CancellationToken.None), $"a second instance at t={t}");
        }
    }

    /// <summary>
    /// The sample and conditioning are not written to, and the prediction is a new tensor the denoiser does not touch
    /// again: it shares no storage with the input, and a later call leaves it as it was.
    /// </summary>
    [Fact]
    public async Task Inputs_are_left_alone_and_predictions_are_handed_over()
    {
        var denoiser = Create();
        var input = Input(denoiser, BatchSize, seed: 4);
        var before = Snapshot.Of(input);
        var prediction = await denoiser.PredictAsync(input, CancellationToken.None);
        var kept = prediction.Clone();
        var later = await denoiser.PredictAsync(Input(denoiser, BatchSize, seed: 5), CancellationToken.None);

        before.AssertUnchanged("the denoiser's input");
        Assert.False(ReferenceEquals(prediction.Storage, input.Sample.Storage), "The prediction shares storage with the input sample; return a new tensor.");
        Assert.False(ReferenceEquals(prediction.Storage, later.Storage), "Two predictions share storage; return a tensor you will not touch again.");
        AssertSame(kept, prediction, "the first prediction after a second call");
    }

    /// <summary>A call with an already cancelled token throws <see cref="OperationCanceledException"/>.</summary>
    [Fact]
    public Task An_already_cancelled_call_throws_OperationCanceledException() =>
        CheckCancelledCallAsync("PredictAsync", (d, ct) => d.PredictAsync(Input(d, BatchSize, seed: 6), ct).AsTask(), AssertSame);

    /// <summary>Calls made at once give what the same calls give one by one (see <see cref="ComponentConformance{T}.ConcurrentUse"/>).</summary>
    [Fact]
    public Task Concurrent_calls_give_the_one_by_one_results() =>
        CheckConcurrentCallsAsync(
            (d, i) => d.PredictAsync(Input(d, BatchSize, seed: 100 + i, Timesteps[i % Timesteps.Count]), CancellationToken.None).AsTask(),
            AssertSame);

    private DenoiserInput Input(IDenoiser denoiser, int batchSize, int seed, float? timestep = null) =>
        new(CreateSample(denoiser.SampleShape, batchSize, seed), timestep ?? Timesteps[0], CreateConditioning(batchSize, seed));

    private static string Format(IReadOnlyList<int> shape) => Tensor.FormatShape([.. shape]);
}
