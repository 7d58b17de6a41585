using System.Numerics.Tensors;

namespace GenPipe.Tensors;

/// <summary>
/// A dense, contiguous, row-major float32 tensor. The shape is fixed at construction; the data is mutable.
/// </summary>
/// <remarks>
/// Deliberately small: the tensor engine issue adds strides, views and pooled storage behind this surface.
/// </remarks>
public sealed class Tensor
{
    private readonly float[] _data;
    private readonly int[] _shape;

    /// <summary>Wraps <paramref name="data"/> (not copied) as a tensor of the given shape.</summary>
    /// <exception cref="ArgumentException">The shape has a negative dimension or does not match the data length.</exception>
    public Tensor(float[] data, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(shape);
        long count = ElementCount(shape);
        if (count != data.Length)
        {
            throw new ArgumentException(
                $"Shape [{string.Join(", ", shape)}] holds {count} elements but the data has {data.Length}.", nameof(shape));
        }

        _data = data;
        _shape = (int[])shape.Clone();
    }

    /// <summary>The size of each dimension, outermost first.</summary>
    public ReadOnlySpan<int> Shape => _shape;

    /// <summary>The number of dimensions.</summary>
    public int Rank => _shape.Length;

    /// <summary>The total number of elements.</summary>
    public int Length => _data.Length;

    /// <summary>The elements, row-major.</summary>
    public Span<float> Span => _data;

    /// <summary>The elements as memory, row-major (for async code that cannot hold a span).</summary>
    public Memory<float> Memory => _data;

    /// <summary>The size of dimension <paramref name="axis"/>; negative axes count from the end.</summary>
    public int Dim(int axis) => _shape[axis < 0 ? _shape.Length + axis : axis];

    /// <summary>A copy of the shape.</summary>
    public int[] GetShape() => (int[])_shape.Clone();

    /// <summary>The element at a multi-dimensional index.</summary>
    public float this[params int[] index]
    {
        get => _data[Offset(index)];
        set => _data[Offset(index)] = value;
    }

    /// <summary>A new tensor of zeros.</summary>
    public static Tensor Zeros(params int[] shape) => new(new float[checked((int)ElementCount(shape))], shape);

    /// <summary>A new tensor filled with <paramref name="value"/>.</summary>
    public static Tensor Full(float value, params int[] shape)
    {
        var t = Zeros(shape);
        t.Span.Fill(value);
        return t;
    }

    /// <summary>A new tensor with a copy of <paramref name="values"/>.</summary>
    public static Tensor FromSpan(ReadOnlySpan<float> values, params int[] shape) => new(values.ToArray(), shape);

    /// <summary>A deep copy.</summary>
    public Tensor Clone() => new((float[])_data.Clone(), _shape);

    /// <summary>A tensor that shares this one's data under another shape with the same element count.</summary>
    public Tensor Reshape(params int[] shape) => new(_data, shape);

    /// <summary>A new tensor of the same shape with <c>this * scale</c>.</summary>
    public Tensor Multiply(float scale)
    {
        var result = new float[_data.Length];
        TensorPrimitives.Multiply(_data, scale, result);
        return new Tensor(result, _shape);
    }

    /// <summary>True when both tensors have the same shape.</summary>
    public bool SameShape(Tensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Shape.SequenceEqual(other.Shape);
    }

    /// <summary>Formats a shape as <c>[a, b, c]</c> for messages.</summary>
    public static string FormatShape(ReadOnlySpan<int> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";

    /// <inheritdoc />
    public override string ToString() => $"Tensor{FormatShape(_shape)}";

    private static long ElementCount(ReadOnlySpan<int> shape)
    {
        long count = 1;
        foreach (int d in shape)
        {
            if (d < 0)
            {
                throw new ArgumentException($"Shape {FormatShape(shape)} has a negative dimension.", nameof(shape));
            }

            count *= d;
        }

        return count;
    }

    private int Offset(int[] index)
    {
        if (index.Length != _shape.Length)
        {
            throw new ArgumentException($"Index of rank {index.Length} for a tensor of rank {_shape.Length}.", nameof(index));
        }

        int offset = 0;
        for (int i = 0; i < index.Length; i++)
        {
            if ((uint)index[i] >= (uint)_shape[i])
            {
                throw new ArgumentOutOfRangeException(nameof(index), $"Index {index[i]} out of range for dimension {i} of size {_shape[i]}.");
            }

            offset = (offset * _shape[i]) + index[i];
        }

        return offset;
    }
}
