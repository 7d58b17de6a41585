using GenPipe.Abstractions.Models;
using GenPipe.Tensors;

namespace GenPipe.Diffusion.Diffuse;

/// <summary>Batch-dimension helpers: rows repeated to a batch size, batches stacked and split.</summary>
internal static class Batches
{
    /// <summary><paramref name="tensor"/> with <paramref name="rows"/> rows: itself, or its single row repeated.</summary>
    public static Tensor Repeat(Tensor tensor, int rows, string what)
    {
        int have = tensor.Dim(0);
        if (have == rows)
        {
            return tensor;
        }

        if (have != 1)
        {
            throw new ArgumentException($"{what} has {have} rows; it needs 1 or {rows} (one per sample).");
        }

        return Concat([.. Enumerable.Repeat(tensor, rows)]);
    }

    /// <summary>The tensors stacked along dimension 0; the other dimensions must agree.</summary>
    public static Tensor Concat(params Tensor[] parts)
    {
        int[] shape = parts[0].GetShape();
        foreach (var part in parts)
        {
            if (part.Rank != shape.Length || !part.GetShape().AsSpan(1).SequenceEqual(shape.AsSpan(1)))
            {
                throw new ArgumentException($"Cannot stack {Tensor.FormatShape(part.Shape)} onto {Tensor.FormatShape(shape)}: the dimensions after the first differ.");
            }
        }

        shape[0] = parts.Sum(p => p.Dim(0));
        var result = new float[parts.Sum(p => p.Length)];
        int offset = 0;
        foreach (var part in parts)
        {
            part.Contiguous().Span.CopyTo(result.AsSpan(offset));
            offset += part.Length;
        }

        return new Tensor(result, shape);
    }

    /// <summary>Rows [start, start + count) as a contiguous tensor.</summary>
    public static Tensor Rows(Tensor tensor, int start, int count) => tensor.Slice(0, start, count).Contiguous();

    /// <summary>[<paramref name="first"/>; <paramref name="second"/>], each with <paramref name="rows"/> rows.</summary>
    public static Conditioning Stack(Conditioning first, Conditioning second, int rows)
    {
        if ((first.Pooled is null) != (second.Pooled is null) || (first.Mask is null) != (second.Mask is null))
        {
            throw new ArgumentException("The negative and the positive conditioning differ in kind: one has a pooled embedding or mask and the other not. Make both with the same conditioner.");
        }

        return new Conditioning(
            Concat(Repeat(first.Embeddings, rows, "The negative conditioning"), Repeat(second.Embeddings, rows, "The conditioning")),
            first.Pooled is null ? null : Concat(Repeat(first.Pooled, rows, "The negative pooled embedding"), Repeat(second.Pooled!, rows, "The pooled embedding")),
            first.Mask is null ? null : Concat(Repeat(first.Mask, rows, "The negative mask"), Repeat(second.Mask!, rows, "The mask")));
    }
}
