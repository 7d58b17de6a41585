using GenPipe.Abstractions.Models;
using GenPipe.Tensors;
using Xunit;
using Xunit.Abstractions;

namespace GenPipe.Testing;

/// <summary>
/// What every <see cref="IConditioner"/> must do. A plugin's test project derives a public class from this one, says how
/// to create the conditioner and gives inputs (<see cref="CreateInput"/>); the facts then check that the conditioning is
/// batch first with parts that agree, that the unconditional conditioning has the conditional one's layout and one value
/// for every item, that rows of a batch do not influence each other, that the same input gives the same floats, that a
/// cancelled token stops both calls, that inputs are left alone, and that concurrent calls give what one-by-one calls give.
/// </summary>
public abstract class ConditionerConformance(ITestOutputHelper? output = null) : ComponentConformance<IConditioner>(output)
{
    /// <summary>
    /// An input of <paramref name="batchSize"/> items (prompts, labels or an image batch). Items should differ from each
    /// other and with <paramref name="seed"/>, so that rows and calls that get mixed up show.
    /// </summary>
    protected abstract ConditioningInput CreateInput(int batchSize, int seed);

    /// <summary>
    /// Embeddings, Pooled and Mask are batch first with finite values; the mask holds only 0 and 1 and has the embeddings'
    /// shape without its last (feature) dimension; one item's shapes do not depend on the batch size.
    /// </summary>
    [Fact]
    public async Task The_conditioning_is_batch_first_and_its_parts_agree()
    {
        var conditioner = Create();
        var one = await conditioner.EncodeAsync(Input(1, seed: 1), CancellationToken.None);
        var many = await conditioner.EncodeAsync(Input(BatchSize, seed: 1), CancellationToken.None);
        CheckParts(one, 1, "the conditioning of 1 item");
        CheckParts(many, BatchSize, $"the conditioning of {BatchSize} items");
        AssertSameLayout(one, many, $"the conditioning of {BatchSize} items against that of 1");
        Log($"{BatchSize} items: {Describe(many)}.");
    }

    /// <summary>
    /// EncodeUnconditionalAsync(n) has the layout of a conditional batch of n (guidance combines the two), and every
    /// item's rows are the same, equal to EncodeUnconditionalAsync(1).
    /// </summary>
    [Fact]
    public async Task The_unconditional_conditioning_matches_the_layout_and_is_the_same_for_every_item()
    {
        var conditioner = Create();
        var conditional = await conditioner.EncodeAsync(Input(BatchSize, seed: 2), CancellationToken.None);
        var unconditional = await conditioner.EncodeUnconditionalAsync(BatchSize, CancellationToken.None);
        var single = await conditioner.EncodeUnconditionalAsync(1, CancellationToken.None);
        CheckParts(unconditional, BatchSize, $"the unconditional conditioning of {BatchSize} items");
        AssertSameLayout(conditional, unconditional, $"the unconditional conditioning of {BatchSize} items against the conditional one");
        var parts = Parts(unconditional);
        var singleParts = Parts(single);
        Assert.Equal(parts.Select(p => p.Name), singleParts.Select(p => p.Name));
        for (int i = 0; i < BatchSize; i++)
        {
            for (int p = 0; p < parts.Count; p++)
            {
                TensorAssert.Close(singleParts[p].Tensor, Batches.Row(parts[p].Tensor, i), Tolerance, $"unconditional {parts[p].Name} row {i} of {BatchSize} against EncodeUnconditionalAsync(1)");
            }
        }

        Log($"unconditional, {BatchSize} items: {Describe(unconditional)}.");
    }

    /// <summary>Every part of row i of a batched conditioning equals (to <see cref="ComponentConformance{T}.Tolerance"/>) the item encoded alone.</summary>
    [Fact]
    public async Task Rows_of_a_batch_do_not_influence_each_other()
    {
        var conditioner = Create();
        var input = Input(BatchSize, seed: 3);
        var together = Parts(await conditioner.EncodeAsync(input, CancellationToken.None));
        double largest = 0;
        for (int i = 0; i < BatchSize; i++)
        {
            var alone = Parts(await conditioner.EncodeAsync(Batches.Row(input, i), CancellationToken.None));
            Assert.Equal(together.Select(p => p.Name), alone.Select(p => p.Name));
            for (int p = 0; p < alone.Count; p++)
            {
                largest = Math.Max(largest, TensorAssert.Close(alone[p].Tensor, Batches.Row(together[p].Tensor, i), Tolerance, $"{alone[p].Name} of item {i} of {BatchSize} against the item alone"));
            }
        }

        Log($"largest |batched - alone| {largest:R} (tolerance {Tolerance}).");
    }

    /// <summary>The same input gives the same floats, twice on one instance and on a second instance; so does the unconditional call.</summary>
    [Fact]
    public async Task The_same_input_gives_the_same_conditioning()
    {
        var conditioner = Create();
        var input = Input(BatchSize, seed: 4);
        var first = await conditioner.EncodeAsync(input, CancellationToken.None);
        AssertSameConditioning(first, await conditioner.EncodeAsync(input, CancellationToken.None), "a second call");
        AssertSameConditioning(first, await Create().EncodeAsync(input, CancellationToken.None), "a second instance");
        var unconditional = await conditioner.EncodeUnconditionalAsync(BatchSize, CancellationToken.None);
        AssertSameConditioning(unconditional, await Create().EncodeUnconditionalAsync(BatchSize, CancellationToken.None), "the unconditional conditioning of a second instance");
    }

    /// <summary>An image input is not written to; results share no storage with it, and later calls leave earlier results as they were.</summary>
    [Fact]
    public async Task Inputs_are_left_alone_and_conditionings_are_handed_over()
    {
        var conditioner = Create();
        var input = Input(BatchSize, seed: 5);
        var before = new Snapshot().Add("image", input.Image);
        var conditional = Parts(await conditioner.EncodeAsync(input, CancellationToken.None));
        var unconditional = Parts(await conditioner.EncodeUnconditionalAsync(BatchSize, CancellationToken.None));
        var kept = conditional.Concat(unconditional).Select(p => (p.Name, Tensor: p.Tensor.Clone())).ToList();
        await conditioner.EncodeAsync(Input(BatchSize, seed: 6), CancellationToken.None);
        await conditioner.EncodeUnconditionalAsync(BatchSize, CancellationToken.None);

        before.AssertUnchanged("EncodeAsync");
        var all = conditional.Concat(unconditional).ToList();
        for (int p = 0; p < all.Count; p++)
        {
            Assert.False(input.Image is not null && ReferenceEquals(all[p].Tensor.Storage, input.Image.Storage), $"{all[p].Name} shares storage with the image input; return new tensors.");
            AssertSame(kept[p].Tensor, all[p].Tensor, $"{(p < conditional.Count ? "conditional" : "unconditional")} {all[p].Name} after later calls");
        }
    }

    /// <summary>EncodeAsync with an already cancelled token throws <see cref="OperationCanceledException"/>.</summary>
    [Fact]
    public Task An_already_cancelled_call_throws_OperationCanceledException() =>
        CheckCancelledCallAsync("EncodeAsync", (c, ct) => c.EncodeAsync(Input(BatchSize, seed: 7), ct).AsTask(), AssertSameConditioning);

    /// <summary>EncodeUnconditionalAsync with an already cancelled token throws <see cref="OperationCanceledException"/>.</summary>
    [Fact]
    public Task An_already_cancelled_unconditional_call_throws_OperationCanceledException() =>
        CheckCancelledCallAsync("EncodeUnconditionalAsync", (c, ct) => c.EncodeUnconditionalAsync(BatchSize, ct).AsTask(), AssertSameConditioning);

    /// <summary>
    /// Calls made at once, conditional and unconditional mixed, give what the same calls give one by one (see
    /// <see cref="ComponentConformance{T}.ConcurrentUse"/>).
    /// </summary>
    [Fact]
    public Task Concurrent_calls_give_the_one_by_one_results() =>
        CheckConcurrentCallsAsync(
            (c, i) => i % 4 == 3 ? c.EncodeUnconditionalAsync(BatchSize, CancellationToken.None).AsTask() : c.EncodeAsync(Input(BatchSize, seed: 100 + i), CancellationToken.None).AsTask(),
            AssertSameConditioning);

    /// <summary>The tensors of a conditioning, named.</summary>
    protected static IReadOnlyList<(string Name, Tensor Tensor)> Parts(Conditioning conditioning)
    {
        ArgumentNullException.ThrowIfNull(conditioning);
        var parts = new List<(string, Tensor)> { ("Embeddings", conditioning.Embeddings) };
        if (conditioning.Pooled is not null)
        {
            parts.Add(("Pooled", conditioning.Pooled));
        }

        if (conditioning.Mask is not null)
        {
            parts.Add(("Mask", conditioning.Mask));
        }

        return parts;
    }

    private ConditioningInput Input(int batchSize, int seed)
    {
        var input = CreateInput(batchSize, seed);
        int count = Batches.Count(input);
        Assert.True(count == batchSize, $"CreateInput({batchSize}, {seed}) gave {count} items.");
        return input;
    }

    private static void CheckParts(Conditioning conditioning, int batchSize, string what)
    {
        foreach (var (name, tensor) in Parts(conditioning))
        {
            Assert.True(tensor.Rank >= 1 && tensor.Dim(0) == batchSize, $"{what}: {name} has shape {Tensor.FormatShape(tensor.Shape)}; it must be batch first ({batchSize}).");
            TensorAssert.Finite(tensor, $"{what}: {name}");
        }

        if (conditioning.Mask is { } mask)
        {
            var embeddings = conditioning.Embeddings.GetShape();
            TensorAssert.Shape(embeddings[..^1], mask, $"{what}: Mask against Embeddings {Tensor.FormatShape(embeddings)} without the feature dimension");
            float[] values = mask.View.ToArray();
            int bad = Array.FindIndex(values, v => v is not (0f or 1f));
            Assert.True(bad < 0, $"{what}: Mask value {(bad < 0 ? 0 : values[bad])} at flat index {bad}; a mask holds 1 (keep) and 0 (ignore).");
        }
    }

    private static void AssertSameLayout(Conditioning expected, Conditioning actual, string what)
    {
        var e = Parts(expected);
        var a = Parts(actual);
        Assert.True(e.Select(p => p.Name).SequenceEqual(a.Select(p => p.Name)), $"{what}: parts {string.Join(", ", a.Select(p => p.Name))}, expected {string.Join(", ", e.Select(p => p.Name))}.");
        for (int p = 0; p < e.Count; p++)
        {
            TensorAssert.Shape([a[p].Tensor.Dim(0), .. e[p].Tensor.GetShape()[1..]], a[p].Tensor, $"{what}: {e[p].Name} per item");
        }
    }

    private static void AssertSameConditioning(Conditioning expected, Conditioning actual, string what)
    {
        var e = Parts(expected);
        var a = Parts(actual);
        Assert.Equal(e.Select(p => p.Name), a.Select(p => p.Name));
        for (int p = 0; p < e.Count; p++)
        {
            AssertSame(e[p].Tensor, a[p].Tensor, $"{what}: {e[p].Name}");
        }
    }

    private static string Describe(Conditioning conditioning) =>
        string.Join(", ", Parts(conditioning).Select(p => $"{p.Name} {Tensor.FormatShape(p.Tensor.Shape)}"));
}
