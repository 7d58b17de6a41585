using GenPipe.Abstractions.Models;
using GenPipe.Tensors;
using Xunit;
using Xunit.Abstractions;

namespace GenPipe.Testing;

/// <summary>
/// What every <see cref="IDecoder"/> must do. A plugin's test project derives a public class from this one, says how to
/// create the decoder and what one latent looks like (<see cref="LatentShape"/>); the facts then check that the output
/// is batch first with one data shape, rows of a batch do not influence each other, the same latent gives the same
/// floats, a cancelled token stops the call, the latent is left alone, and concurrent calls give what one-by-one calls give.
/// </summary>
public abstract class DecoderConformance(ITestOutputHelper? output = null) : ComponentConformance<IDecoder>(output)
{
    /// <summary>The shape of one latent, without the batch dimension (e.g. [4, 8, 8]).</summary>
    protected abstract IReadOnlyList<int> LatentShape { get; }

    /// <summary>The shape of one decoded item, when it is known (e.g. [3, 64, 64]); null checks only that it is the same for every batch size.</summary>
    protected virtual IReadOnlyList<int>? DataShape => null;

    /// <summary>A batch of latents, [batchSize, ..LatentShape], standard normal by default; <paramref name="seed"/> makes batches differ.</summary>
    protected virtual Tensor CreateLatent(int batchSize, int seed) => Randn(seed, Batched(batchSize, LatentShape));

    /// <summary>The output is [batch, ..data shape], the same data shape for one item and for a batch, with finite values.</summary>
    [Fact]
    public async Task The_output_is_batch_first_with_one_data_shape()
    {
        var decoder = Create();
        var one = await decoder.DecodeAsync(CreateLatent(1, seed: 1), CancellationToken.None);
        var many = await decoder.DecodeAsync(CreateLatent(BatchSize, seed: 1), CancellationToken.None);
        Assert.True(one.Rank >= 1 && one.Dim(0) == 1, $"Decoding a batch of 1 gave {Tensor.FormatShape(one.Shape)}; the output is batch first.");
        var itemShape = one.GetShape()[1..];
        TensorAssert.Shape(Batched(1, DataShape ?? itemShape), one, "the output of a batch of 1");
        TensorAssert.Shape(Batched(BatchSize, DataShape ?? itemShape), many, $"the output of a batch of {BatchSize}");
        TensorAssert.Finite(many, $"the output of a batch of {BatchSize}");
        Log($"latent [batch, {string.Join(", ", LatentShape)}] decodes to {Tensor.FormatShape(many.Shape)}.");
    }

    /// <summary>Row i of a batched output equals (to <see cref="ComponentConformance{T}.Tolerance"/>) row i decoded alone.</summary>
    [Fact]
    public async Task Rows_of_a_batch_do_not_influence_each_other()
    {
        var decoder = Create();
        var latent = CreateLatent(BatchSize, seed: 2);
        var together = await decoder.DecodeAsync(latent, CancellationToken.None);
        double largest = 0;
        for (int i = 0; i < BatchSize; i++)
        {
            var alone = await decoder.DecodeAsync(Batches.Row(latent, i), CancellationToken.None);
            largest = Math.Max(largest, TensorAssert.Close(alone, Batches.Row(together, i), Tolerance, $"row {i} of a batch of {BatchSize} against the row alone"));
        }

        Log($"largest |batched - alone| {largest:R} (tolerance {Tolerance}).");
    }

    /// <summary>The same latent gives the same floats: twice on one instance, and on a second instance from the factory.</summary>
    [Fact]
    public async Task The_same_latent_gives_the_same_output()
    {
        var decoder = Create();
        var latent = CreateLatent(BatchSize, seed: 3);
        var first = await decoder.DecodeAsync(latent, CancellationToken.None);
        AssertSame(first, await decoder.DecodeAsync(latent, CancellationToken.None), "a second call");
        AssertSame(first, await Create().DecodeAsync(latent, CancellationToken.None), "a second instance");
    }

    /// <summary>The latent is not written to; the output is a new tensor that a later call leaves as it was.</summary>
    [Fact]
    public async Task The_latent_is_left_alone_and_outputs_are_handed_over()
    {
        var decoder = Create();
        var latent = CreateLatent(BatchSize, seed: 4);
        var before = new Snapshot().Add("latent", latent);
        var decoded = await decoder.DecodeAsync(latent, CancellationToken.None);
        var kept = decoded.Clone();
        var later = await decoder.DecodeAsync(CreateLatent(BatchSize, seed: 5), CancellationToken.None);

        before.AssertUnchanged("DecodeAsync");
        Assert.False(ReferenceEquals(decoded.Storage, latent.Storage), "The output shares storage with the latent; return a new tensor (Clone() it first).");
        Assert.False(ReferenceEquals(decoded.Storage, later.Storage), "Two outputs share storage; return a tensor you will not touch again.");
        AssertSame(kept, decoded, "the first output after a second call");
    }

    /// <summary>A call with an already cancelled token throws <see cref="OperationCanceledException"/>.</summary>
    [Fact]
    public Task An_already_cancelled_call_throws_OperationCanceledException() =>
        CheckCancelledCallAsync("DecodeAsync", (d, ct) => d.DecodeAsync(CreateLatent(BatchSize, seed: 6), ct).AsTask(), AssertSame);

    /// <summary>Calls made at once give what the same calls give one by one (see <see cref="ComponentConformance{T}.ConcurrentUse"/>).</summary>
    [Fact]
    public Task Concurrent_calls_give_the_one_by_one_results() =>
        CheckConcurrentCallsAsync((d, i) => d.DecodeAsync(CreateLatent(BatchSize, seed: 100 + i), CancellationToken.None).AsTask(), AssertSame);
}
