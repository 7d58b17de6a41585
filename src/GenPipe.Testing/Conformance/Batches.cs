using GenPipe.Abstractions.Models;
using GenPipe.Tensors;
using Xunit;

namespace GenPipe.Testing;

/// <summary>Single rows of batched inputs and outputs, as dense copies a component may keep.</summary>
internal static class Batches
{
    public static Tensor Row(Tensor batch, int index) => batch.Slice(0, index, 1).Clone();

    public static Conditioning Row(Conditioning conditioning, int index) =>
        new(Row(conditioning.Embeddings, index),
            conditioning.Pooled is null ? null : Row(conditioning.Pooled, index),
            conditioning.Mask is null ? null : Row(conditioning.Mask, index));

    public static DenoiserInput Row(DenoiserInput input, int index) =>
        input with { Sample = Row(input.Sample, index), Conditioning = input.Conditioning is null ? null : Row(input.Conditioning, index) };

    public static ConditioningInput Row(ConditioningInput input, int index) =>
        new(input.Text is null ? null : [input.Text[index]],
            input.Labels is null ? null : [input.Labels[index]],
            input.Image is null ? null : Row(input.Image, index));

    /// <summary>How many items <paramref name="input"/> holds, and that its parts agree.</summary>
    public static int Count(ConditioningInput input)
    {
        var counts = new[] { input.Text?.Count, input.Labels?.Count, input.Image?.Dim(0) }.OfType<int>().Distinct().ToList();
        Assert.True(counts.Count == 1, $"The conditioning input must hold text, labels or an image, with one batch size; it holds {string.Join(" and ", counts)} items.");
        return counts[0];
    }
}

/// <summary>The values of some tensors at one moment, to show later that nobody wrote into them.</summary>
internal sealed class Snapshot
{
    private readonly List<(string Name, Tensor Tensor, float[] Values)> _entries = [];

    public static Snapshot Of(DenoiserInput input) => new Snapshot().Add("sample", input.Sample).Add(input.Conditioning);

    public Snapshot Add(Conditioning? conditioning) =>
        Add("conditioning.Embeddings", conditioning?.Embeddings).Add("conditioning.Pooled", conditioning?.Pooled).Add("conditioning.Mask", conditioning?.Mask);

    public Snapshot Add(string name, Tensor? tensor)
    {
        if (tensor is not null)
        {
            _entries.Add((name, tensor, tensor.View.ToArray()));
        }

        return this;
    }

    public void AssertUnchanged(string what)
    {
        foreach (var (name, tensor, values) in _entries)
        {
            float[] now = tensor.View.ToArray();
            int changed = Enumerable.Range(0, values.Length).Count(i => BitConverter.SingleToInt32Bits(now[i]) != BitConverter.SingleToInt32Bits(values[i]));
            Assert.True(changed == 0, $"{what}: {changed} of {values.Length} values of {name} changed during the call; inputs are shared, never write into them.");
        }
    }
}
