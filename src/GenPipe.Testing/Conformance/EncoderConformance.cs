using GenPipe.Abstractions.Models;
using GenPipe.Tensors;
using Xunit;
using Xunit.Abstractions;

namespace GenPipe.Testing;

/// <summary>
/// What every <see cref="IEncoder"/> must do. A plugin's test project derives a public class from this one, says how to
/// create the encoder and what one data item looks like (<see cref="DataShape"/>); the facts then check the encoding's
/// shapes for its kind (<see cref="GaussianLatent"/>, <see cref="DeterministicLatent"/>, <see cref="CodeLatent"/>), that
/// rows of a batch do not influence each other, that the same data gives the same encoding and the same seed the same
/// sample, that a cancelled token stops the call, that the data is left alone, and that concurrent calls give what
/// one-by-one calls give.
/// </summary>
public abstract class EncoderConformance(ITestOutputHelper? output = null) : ComponentConformance<IEncoder>(output)
{
    /// <summary>The shape of one data item, without the batch dimension (e.g. [3, 64, 64]).</summary>
    protected abstract IReadOnlyList<int> DataShape { get; }

    /// <summary>The shape of one latent, when it is known (e.g. [4, 8, 8]); null checks only that it is the same for every batch size.</summary>
    protected virtual IReadOnlyList<int>? LatentShape => null;

    /// <summary>A batch of data, [batchSize, ..DataShape], standard normal by default; <paramref name="seed"/> makes batches differ.</summary>
    protected virtual Tensor CreateData(int batchSize, int seed) => Randn(seed, Batched(batchSize, DataShape));

    /// <summary>
    /// Every tensor of the encoding is batch first, the parts agree (a Gaussian's mean and log-variance have one shape, codes
    /// are [batch, length] whole numbers), samples have the latent's shape, and one item's latent shape does not depend on
    /// the batch size.
    /// </summary>
    [Fact]
    public async Task The_encoding_is_batch_first_and_its_parts_agree()
    {
        var encoder = Create();
        var one = await encoder.EncodeAsync(CreateData(1, seed: 1), CancellationToken.None);
        var many = await encoder.EncodeAsync(CreateData(BatchSize, seed: 1), CancellationToken.None);
        Assert.Equal(one.GetType(), many.GetType());
        var itemShape = CheckParts(one, 1)[1..];
        TensorAssert.Shape(Batched(1, LatentShape ?? itemShape), one.Sample(null), "the latent of a batch of 1");
        CheckParts(many, BatchSize);
        TensorAssert.Shape(Batched(BatchSize, LatentShape ?? itemShape), many.Sample(null), $"the latent of a batch of {BatchSize}");
        Log($"data [batch, {string.Join(", ", DataShape)}] encodes to a {many.GetType().Name} of {Tensor.FormatShape(many.Sample(null).Shape)}.");
    }

    /// <summary>Every part of row i of a batched encoding equals (to <see cref="ComponentConformance{T}.Tolerance"/>) the row encoded alone.</summary>
    [Fact]
    public async Task Rows_of_a_batch_do_not_influence_each_other()
    {
        var encoder = Create();
        var data = CreateData(BatchSize, seed: 2);
        var together = Parts(await encoder.EncodeAsync(data, CancellationToken.None));
        double largest = 0;
        for (int i = 0; i < BatchSize; i++)
        {
            var alone = Parts(await encoder.EncodeAsync(Batches.Row(data, i), CancellationToken.None));
            Assert.Equal(together.Select(p => p.Name), alone.Select(p => p.Name));
            for (int p = 0; p < alone.Count; p++)
            {
                largest = Math.Max(largest, TensorAssert.Close(alone[p].Tensor, Batches.Row(together[p].Tensor, i), Tolerance, $"{alone[p].Name} of row {i} of a batch of {BatchSize} against the row alone"));
            }
        }

        Log($"largest |batched - alone| {largest:R} (tolerance {Tolerance}).");
    }

    /// <summary>The same data gives the same encoding, twice on one instance and on a second instance from the factory.</summary>
    [Fact]
    public async Task The_same_data_gives_the_same_encoding()
    {
        var encoder = Create();
        var data = CreateData(BatchSize, seed: 3);
        var first = await encoder.EncodeAsync(data, CancellationToken.None);
        AssertSameEncoding(first, await encoder.EncodeAsync(data, CancellationToken.None), "a second call");
        AssertSameEncoding(first, await Create().EncodeAsync(data, CancellationToken.None), "a second instance");
    }

    /// <summary>
    /// Sample with the same seed gives the same latent, from the same encoding and from a second encoding of the same
    /// data, and leaves the encoding as it was; a Gaussian's Sample(null) is its mean, and other seeds give other samples.
    /// </summary>
    [Fact]
    public async Task The_same_seed_gives_the_same_sample()
    {
        var encoder = Create();
        var data = CreateData(BatchSize, seed: 4);
        var encoding = await encoder.EncodeAsync(data, CancellationToken.None);
        var before = new Snapshot();
        foreach (var (name, tensor) in Parts(encoding))
        {
            before.Add(name, tensor);
        }

        var sample = encoding.Sample(new TorchGenerator(7));
        AssertSame(sample, encoding.Sample(new TorchGenerator(7)), "Sample with seed 7, twice");
        AssertSame(sample, (await encoder.EncodeAsync(data, CancellationToken.None)).Sample(new TorchGenerator(7)), "Sample with seed 7 of a second encoding of the same data");
        AssertSame(encoding.Sample(null), encoding.Sample(null), "Sample(null), twice");
        before.AssertUnchanged("Sample");
        if (encoding is GaussianLatent gaussian)
        {
            AssertSame(gaussian.Mean, encoding.Sample(null), "Sample(null) of a Gaussian against its mean");
            var other = encoding.Sample(new TorchGenerator(8)).View.ToArray();
            float[] first = sample.View.ToArray();
            int differing = Enumerable.Range(0, first.Length).Count(i => first[i] != other[i]);
            Assert.True(differing > 0, "Seeds 7 and 8 gave the same Gaussian sample; the log-variance leaves no noise (is it -infinity?).");
            Log($"seeds 7 and 8 differ in {differing} of {first.Length} values.");
        }
    }

    /// <summary>The data is not written to; the encoding's tensors are new, and a later call leaves them as they were.</summary>
    [Fact]
    public async Task The_data_is_left_alone_and_encodings_are_handed_over()
    {
        var encoder = Create();
        var data = CreateData(BatchSize, seed: 5);
        var before = new Snapshot().Add("data", data);
        var parts = Parts(await encoder.EncodeAsync(data, CancellationToken.None));
        var kept = parts.Select(p => p.Tensor.Clone()).ToList();
        await encoder.EncodeAsync(CreateData(BatchSize, seed: 6), CancellationToken.None);

        before.AssertUnchanged("EncodeAsync");
        for (int p = 0; p < parts.Count; p++)
        {
            Assert.False(ReferenceEquals(parts[p].Tensor.Storage, data.Storage), $"{parts[p].Name} shares storage with the data; return new tensors.");
            AssertSame(kept[p], parts[p].Tensor, $"{parts[p].Name} of the first encoding after a second call");
        }
    }

    /// <summary>A call with an already cancelled token throws <see cref="OperationCanceledException"/>.</summary>
    [Fact]
    public Task An_already_cancelled_call_throws_OperationCanceledException() =>
        CheckCancelledCallAsync("EncodeAsync", (e, ct) => e.EncodeAsync(CreateData(BatchSize, seed: 7), ct).AsTask(), AssertSameEncoding);

    /// <summary>Calls made at once give what the same calls give one by one (see <see cref="ComponentConformance{T}.ConcurrentUse"/>).</summary>
    [Fact]
    public Task Concurrent_calls_give_the_one_by_one_results() =>
        CheckConcurrentCallsAsync((e, i) => e.EncodeAsync(CreateData(BatchSize, seed: 100 + i), CancellationToken.None).AsTask(), AssertSameEncoding);

    /// <summary>The tensors of an encoding, named: what batch and repeat checks compare.</summary>
    protected static IReadOnlyList<(string Name, Tensor Tensor)> Parts(LatentEncoding encoding) => encoding switch
    {
        GaussianLatent g => [("Mean", g.Mean), ("LogVariance", g.LogVariance)],
        DeterministicLatent d when d.LogDeterminant is { } logDet => [("Latent", d.Latent), ("LogDeterminant", logDet)],
        DeterministicLatent d => [("Latent", d.Latent)],
        CodeLatent c => [("Codes", c.Codes)],
        null => throw new ArgumentNullException(nameof(encoding)),
        _ => [("Sample(null)", encoding.Sample(null))],
    };

    private static void AssertSameEncoding(LatentEncoding expected, LatentEncoding actual, string what)
    {
        Assert.Equal(expected.GetType(), actual.GetType());
        var e = Parts(expected);
        var a = Parts(actual);
        Assert.Equal(e.Select(p => p.Name), a.Select(p => p.Name));
        for (int p = 0; p < e.Count; p++)
        {
            AssertSame(e[p].Tensor, a[p].Tensor, $"{what}: {e[p].Name}");
        }
    }

    // Checks the parts of an encoding of batchSize items and returns the latent's shape.
    private static int[] CheckParts(LatentEncoding encoding, int batchSize)
    {
        foreach (var (name, tensor) in Parts(encoding))
        {
            Assert.True(tensor.Rank >= 1 && tensor.Dim(0) == batchSize, $"{name} of a batch of {batchSize} has shape {Tensor.FormatShape(tensor.Shape)}; it must be batch first.");
            TensorAssert.Finite(tensor, $"{name} of a batch of {batchSize}");
        }

        switch (encoding)
        {
            case GaussianLatent g:
                TensorAssert.Shape(g.Mean.GetShape(), g.LogVariance, "LogVariance against Mean");
                break;
            case DeterministicLatent { LogDeterminant: { } logDet }:
                TensorAssert.Shape([batchSize], logDet, "LogDeterminant (one per item)");
                break;
            case CodeLatent c:
                Assert.True(c.Codes.Rank == 2, $"Codes have shape {Tensor.FormatShape(c.Codes.Shape)}; they must be [batch, length].");
                float[] codes = c.Codes.View.ToArray();
                int bad = Array.FindIndex(codes, v => v < 0 || v != MathF.Floor(v));
                Assert.True(bad < 0, $"Code {(bad < 0 ? 0 : codes[bad])} at flat index {bad} is not a whole number of at least 0.");
                break;
        }

        var latent = encoding.Sample(null);
        TensorAssert.Shape(latent.GetShape(), encoding.Sample(new TorchGenerator(1)), "a seeded sample against Sample(null)");
        return latent.GetShape();
    }
}
