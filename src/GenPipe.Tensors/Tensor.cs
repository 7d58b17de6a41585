using System.Numerics.Tensors;
using GenPipe.Tensors.Backends;

namespace GenPipe.Tensors;

/// <summary>
/// A float32 tensor: a <see cref="TensorView"/> (shape and strides over storage) as a reference type, for the values
/// that flow between components. Reshape, permute, transpose and slice share the storage and copy nothing.
/// </summary>
/// <remarks>
/// Kernels and modules work on <see cref="TensorView"/> values so that hot paths allocate nothing; a tensor converts to
/// its view implicitly. A tensor rented from a <see cref="TensorBufferPool"/> owns its storage and returns it on
/// <see cref="Dispose"/>; views made from it do not own it.
/// </remarks>
public sealed class Tensor : IDisposable
{
    private readonly int[] _shape;
    private readonly bool _ownsStorage;

    /// <summary>Wraps <paramref name="data"/> (not copied) as a dense tensor of the given shape.</summary>
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

        var storage = new ArrayStorage(data);
        View = TensorView.Contiguous(storage, 0, new Dims(shape));
        _shape = (int[])shape.Clone();
    }

    /// <summary>A tensor over an existing view (shares its storage; does not own it).</summary>
    public Tensor(TensorView view)
        : this(view.Storage, view, ownsStorage: false)
    {
    }

    internal Tensor(TensorStorage storage, TensorView view, bool ownsStorage)
    {
        ArgumentNullException.ThrowIfNull(storage);
        View = view;
        _shape = view.Shape.ToArray();
        _ownsStorage = ownsStorage;
    }

    /// <summary>The view: storage, offset, shape and strides.</summary>
    public TensorView View { get; }

    /// <summary>The storage behind the tensor.</summary>
    public TensorStorage Storage => View.Storage;

    /// <summary>The size of each dimension, outermost first.</summary>
    public ReadOnlySpan<int> Shape => _shape;

    /// <summary>The distance in elements between neighbours along each dimension.</summary>
    public Dims Strides => View.Strides;

    /// <summary>The number of dimensions.</summary>
    public int Rank => _shape.Length;

    /// <summary>The total number of elements.</summary>
    public int Length => View.Length;

    /// <summary>True when the elements are dense and row-major.</summary>
    public bool IsContiguous => View.IsContiguous;

    /// <summary>The elements, row-major (contiguous tensors only).</summary>
    /// <exception cref="InvalidOperationException">The tensor is a non-contiguous view; call <see cref="Contiguous"/>.</exception>
    public Span<float> Span => View.Span;

    /// <summary>The elements as memory, row-major (contiguous tensors only).</summary>
    public Memory<float> Memory
    {
        get
        {
            _ = View.Span; // throws the same clear message for non-contiguous views
            return Storage.Memory.Slice(View.Offset, Length);
        }
    }

    /// <summary>The size of dimension <paramref name="axis"/>; negative axes count from the end.</summary>
    public int Dim(int axis) => _shape[axis < 0 ? _shape.Length + axis : axis];

    /// <summary>A copy of the shape.</summary>
    public int[] GetShape() => (int[])_shape.Clone();

    /// <summary>The element at a multi-dimensional index.</summary>
    public float this[params int[] index]
    {
        get => View[index];
        set
        {
            var view = View;
            view[index] = value;
        }
    }

    /// <summary>The tensor's view.</summary>
    public static implicit operator TensorView(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return tensor.View;
    }

    /// <summary>A new tensor of zeros.</summary>
    public static Tensor Zeros(params int[] shape) => new(new float[checked((int)ElementCount(shape))], shape);

    /// <summary>
    /// A new tensor of zeros in <paramref name="backend"/>'s memory (<see cref="ITensorBackend.Allocate"/>); it owns its
    /// storage, so disposing it frees device memory at once where the backend's storage is disposable.
    /// </summary>
    public static Tensor Zeros(ITensorBackend backend, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(shape);
        var storage = backend.Allocate(checked((int)ElementCount(shape)));
        return new Tensor(storage, TensorView.Contiguous(storage, 0, new Dims(shape)), ownsStorage: true);
    }

    /// <summary>A new tensor filled with <paramref name="value"/>.</summary>
    public static Tensor Full(float value, params int[] shape)
    {
        var t = Zeros(shape);
        t.Span.Fill(value);
        return t;
    }

    /// <summary>A new tensor with a copy of <paramref name="values"/>.</summary>
    public static Tensor FromSpan(ReadOnlySpan<float> values, params int[] shape) => new(values.ToArray(), shape);

    /// <summary>A dense deep copy.</summary>
    public Tensor Clone() => new(View.ToArray(), _shape);

    /// <summary>This tensor if it is contiguous, otherwise a dense copy.</summary>
    public Tensor Contiguous() => IsContiguous ? this : Clone();

    /// <summary>The same elements under another shape (one dimension may be -1); no copy.</summary>
    /// <exception cref="InvalidOperationException">The tensor is a non-contiguous view.</exception>
    public Tensor Reshape(params int[] shape) => new(View.Reshape(shape));

    /// <summary>The dimensions reordered; no copy.</summary>
    public Tensor Permute(params int[] order) => new(View.Permute(order));

    /// <summary>Two dimensions swapped; no copy.</summary>
    public Tensor Transpose(int axis0, int axis1) => new(View.Transpose(axis0, axis1));

    /// <summary>A range of one dimension; no copy.</summary>
    public Tensor Slice(int axis, int start, int length) => new(View.Slice(axis, start, length));

    /// <summary>A new tensor of the same shape with <c>this * scale</c>.</summary>
    public Tensor Multiply(float scale)
    {
        var result = View.ToArray();
        TensorPrimitives.Multiply(result, scale, result);
        return new Tensor(result, _shape);
    }

    /// <summary>True when both tensors have the same shape.</summary>
    public bool SameShape(Tensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Shape.SequenceEqual(other.Shape);
    }

    /// <summary>Returns pooled storage to its pool (tensors from <see cref="TensorBufferPool.Rent(ReadOnlySpan{int})"/>); otherwise does nothing.</summary>
    public void Dispose()
    {
        if (_ownsStorage && Storage is IDisposable disposable)
        {
            disposable.Dispose();
        }
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
}
