using System.Runtime.CompilerServices;

namespace GenPipe.Tensors;

/// <summary>
/// A strided window on tensor storage: storage, element offset, shape and strides (in elements). Views are values, so
/// reshaping, permuting, slicing and transposing allocate nothing and copy no data; kernels take views.
/// </summary>
/// <remarks>
/// The default value is the "none" view (<see cref="IsNone"/>), used for optional kernel arguments such as a bias.
/// Strides may be zero (a broadcast axis) but never negative.
/// </remarks>
public readonly struct TensorView
{
    private TensorView(TensorStorage storage, int offset, Dims shape, Dims strides)
    {
        Storage = storage;
        Offset = offset;
        Shape = shape;
        Strides = strides;
    }

    /// <summary>The storage the view reads and writes.</summary>
    public TensorStorage Storage { get; }

    /// <summary>The element offset of index [0, 0, ...] in <see cref="Storage"/>.</summary>
    public int Offset { get; }

    /// <summary>The size of each dimension, outermost first.</summary>
    public Dims Shape { get; }

    /// <summary>The distance in elements between neighbours along each dimension.</summary>
    public Dims Strides { get; }

    /// <summary>True for the default "no tensor" value.</summary>
    public bool IsNone => Storage is null;

    /// <summary>The number of dimensions.</summary>
    public int Rank => Shape.Rank;

    /// <summary>The number of elements.</summary>
    public int Length => (int)Shape.Product;

    /// <summary>The size of dimension <paramref name="axis"/>; negative axes count from the end.</summary>
    public int Dim(int axis) => Shape[axis];

    /// <summary>The stride of dimension <paramref name="axis"/>; negative axes count from the end.</summary>
    public int Stride(int axis) => Strides[axis];

    /// <summary>True when the elements are dense and row-major, so <see cref="Span"/> can be used.</summary>
    public bool IsContiguous
    {
        get
        {
            long expected = 1;
            for (int i = Rank - 1; i >= 0; i--)
            {
                if (Shape[i] != 1 && Strides[i] != expected)
                {
                    return false;
                }

                expected *= Shape[i];
            }

            return true;
        }
    }

    /// <summary>The elements of a contiguous view, row-major.</summary>
    /// <exception cref="InvalidOperationException">The view is not contiguous; copy it first (<see cref="Tensor.Contiguous"/>).</exception>
    public Span<float> Span
    {
        get
        {
            if (!IsContiguous)
            {
                throw new InvalidOperationException(
                    $"The view {Shape} with strides {Strides} is not contiguous; copy it with Contiguous() first.");
            }

            return Storage.Span.Slice(Offset, Length);
        }
    }

    /// <summary>A reference to element [0, 0, ...], for kernels that walk the strides themselves.</summary>
    public ref float Origin => ref Unsafe.Add(ref System.Runtime.InteropServices.MemoryMarshal.GetReference(Storage.Span), Offset);

    /// <summary>A dense row-major view of <paramref name="shape"/> starting at <paramref name="offset"/>.</summary>
    /// <exception cref="ArgumentException">The shape does not fit in the storage.</exception>
    public static TensorView Contiguous(TensorStorage storage, int offset, Dims shape)
    {
        ArgumentNullException.ThrowIfNull(storage);
        Span<int> strides = stackalloc int[shape.Rank];
        long stride = 1;
        for (int i = shape.Rank - 1; i >= 0; i--)
        {
            if (shape[i] < 0)
            {
                throw new ArgumentException($"Shape {shape} has a negative dimension.", nameof(shape));
            }

            strides[i] = (int)Math.Min(stride, int.MaxValue);
            stride *= shape[i];
        }

        if (offset < 0 || offset + stride > storage.Length)
        {
            throw new ArgumentException(
                $"Shape {shape} at offset {offset} needs {stride} elements but the storage holds {storage.Length}.", nameof(shape));
        }

        return new TensorView(storage, offset, shape, new Dims(strides));
    }

    /// <summary>A view with explicit strides, checked to stay inside the storage.</summary>
    /// <exception cref="ArgumentException">A stride is negative or the view reaches outside the storage.</exception>
    public static TensorView Strided(TensorStorage storage, int offset, Dims shape, Dims strides)
    {
        ArgumentNullException.ThrowIfNull(storage);
        if (shape.Rank != strides.Rank)
        {
            throw new ArgumentException($"Shape {shape} and strides {strides} differ in rank.", nameof(strides));
        }

        long last = offset;
        bool empty = false;
        for (int i = 0; i < shape.Rank; i++)
        {
            if (shape[i] < 0 || strides[i] < 0)
            {
                throw new ArgumentException($"Shape {shape} and strides {strides} must not be negative.", nameof(strides));
            }

            empty |= shape[i] == 0;
            last += (long)(shape[i] - 1) * strides[i];
        }

        if (offset < 0 || (!empty && last >= storage.Length))
        {
            throw new ArgumentException(
                $"The view {shape} with strides {strides} at offset {offset} reaches past the storage's {storage.Length} elements.", nameof(strides));
        }

        return new TensorView(storage, offset, shape, strides);
    }

    /// <summary>The same elements under another shape; one dimension may be -1 (inferred).</summary>
    /// <exception cref="InvalidOperationException">The layout cannot be expressed without a copy.</exception>
    public TensorView Reshape(params ReadOnlySpan<int> shape)
    {
        Span<int> resolved = stackalloc int[shape.Length];
        ResolveShape(shape, resolved);
        if (!IsContiguous)
        {
            throw new InvalidOperationException(
                $"Cannot reshape the non-contiguous view {Shape} (strides {Strides}) to {Tensor.FormatShape(resolved)} without a copy; call Contiguous() first.");
        }

        return Contiguous(Storage, Offset, new Dims(resolved));
    }

    /// <summary>The dimensions reordered: result dimension i is this view's dimension <paramref name="order"/>[i].</summary>
    public TensorView Permute(params ReadOnlySpan<int> order)
    {
        if (order.Length != Rank)
        {
            throw new ArgumentException($"Permutation of {order.Length} axes for a view of rank {Rank}.", nameof(order));
        }

        Span<int> shape = stackalloc int[Rank];
        Span<int> strides = stackalloc int[Rank];
        Span<bool> seen = stackalloc bool[Rank];
        for (int i = 0; i < Rank; i++)
        {
            int axis = order[i] < 0 ? order[i] + Rank : order[i];
            if ((uint)axis >= (uint)Rank || seen[axis])
            {
                throw new ArgumentException($"[{string.Join(", ", order.ToArray())}] is not a permutation of {Rank} axes.", nameof(order));
            }

            seen[axis] = true;
            shape[i] = Shape[axis];
            strides[i] = Strides[axis];
        }

        return new TensorView(Storage, Offset, new Dims(shape), new Dims(strides));
    }

    /// <summary>Swaps two dimensions.</summary>
    public TensorView Transpose(int axis0, int axis1)
    {
        Span<int> order = stackalloc int[Rank];
        for (int i = 0; i < Rank; i++)
        {
            order[i] = i;
        }

        int a = axis0 < 0 ? axis0 + Rank : axis0;
        int b = axis1 < 0 ? axis1 + Rank : axis1;
        (order[a], order[b]) = (order[b], order[a]);
        return Permute(order);
    }

    /// <summary>Elements <paramref name="start"/> to <paramref name="start"/>+<paramref name="length"/> of one dimension.</summary>
    public TensorView Slice(int axis, int start, int length)
    {
        int a = axis < 0 ? axis + Rank : axis;
        if ((uint)a >= (uint)Rank)
        {
            throw new ArgumentOutOfRangeException(nameof(axis), $"Axis {axis} is out of range for rank {Rank}.");
        }

        if (start < 0 || length < 0 || start + length > Shape[a])
        {
            throw new ArgumentOutOfRangeException(nameof(start), $"Slice [{start}, {start + length}) is outside dimension {a} of size {Shape[a]}.");
        }

        return new TensorView(Storage, Offset + (start * Strides[a]), Shape.With(a, length), Strides);
    }

    /// <summary>Element <paramref name="index"/> of dimension <paramref name="axis"/>, with that dimension removed.</summary>
    public TensorView Select(int axis, int index)
    {
        var sliced = Slice(axis, index, 1);
        int a = axis < 0 ? axis + Rank : axis;
        Span<int> shape = stackalloc int[Rank - 1];
        Span<int> strides = stackalloc int[Rank - 1];
        for (int i = 0, j = 0; i < Rank; i++)
        {
            if (i != a)
            {
                shape[j] = Shape[i];
                strides[j++] = Strides[i];
            }
        }

        return new TensorView(Storage, sliced.Offset, new Dims(shape), new Dims(strides));
    }

    /// <summary>A new dimension of size 1 at <paramref name="axis"/>.</summary>
    public TensorView Unsqueeze(int axis)
    {
        int a = axis < 0 ? axis + Rank + 1 : axis;
        Span<int> shape = stackalloc int[Rank + 1];
        Span<int> strides = stackalloc int[Rank + 1];
        for (int i = 0, j = 0; i <= Rank; i++)
        {
            if (i == a)
            {
                shape[i] = 1;
                strides[i] = a < Rank ? Strides[a] * Shape[a] : 1;
            }
            else
            {
                shape[i] = Shape[j];
                strides[i] = Strides[j++];
            }
        }

        return new TensorView(Storage, Offset, new Dims(shape), new Dims(strides));
    }

    /// <summary>
    /// This view repeated (stride 0) to <paramref name="shape"/>, numpy broadcasting rules: trailing dimensions align,
    /// and each must be equal or 1.
    /// </summary>
    public TensorView BroadcastTo(Dims shape)
    {
        if (shape.Rank < Rank)
        {
            throw new ArgumentException($"Cannot broadcast {Shape} to the lower-rank {shape}.", nameof(shape));
        }

        Span<int> strides = stackalloc int[shape.Rank];
        int lead = shape.Rank - Rank;
        for (int i = 0; i < shape.Rank; i++)
        {
            int source = i - lead;
            if (source < 0)
            {
                strides[i] = 0;
            }
            else if (Shape[source] == shape[i])
            {
                strides[i] = Strides[source];
            }
            else if (Shape[source] == 1)
            {
                strides[i] = 0;
            }
            else
            {
                throw new ArgumentException($"Cannot broadcast {Shape} to {shape}: dimension {i} is {Shape[source]}, not 1 or {shape[i]}.", nameof(shape));
            }
        }

        return new TensorView(Storage, Offset, shape, new Dims(strides));
    }

    /// <summary>The element at a multi-dimensional index (slow; for tests and diagnostics).</summary>
    public float this[params ReadOnlySpan<int> index]
    {
        get => Storage.Span[ElementOffset(index)];
        set => Storage.Span[ElementOffset(index)] = value;
    }

    /// <summary>Copies the elements, row-major, into <paramref name="destination"/>.</summary>
    public void CopyTo(Span<float> destination)
    {
        if (destination.Length < Length)
        {
            throw new ArgumentException($"Destination holds {destination.Length} elements; the view has {Length}.", nameof(destination));
        }

        if (IsContiguous)
        {
            Span.CopyTo(destination);
            return;
        }

        Span<int> index = stackalloc int[Rank];
        ReadOnlySpan<float> source = Storage.Span;
        for (int n = 0; n < Length; n++)
        {
            int offset = Offset;
            for (int i = 0; i < Rank; i++)
            {
                offset += index[i] * Strides[i];
            }

            destination[n] = source[offset];
            for (int i = Rank - 1; i >= 0; i--)
            {
                if (++index[i] < Shape[i])
                {
                    break;
                }

                index[i] = 0;
            }
        }
    }

    /// <summary>A new array with the elements, row-major.</summary>
    public float[] ToArray()
    {
        var result = new float[Length];
        CopyTo(result);
        return result;
    }

    /// <inheritdoc />
    public override string ToString() => IsNone ? "TensorView(none)" : $"TensorView{Shape}";

    private int ElementOffset(ReadOnlySpan<int> index)
    {
        if (index.Length != Rank)
        {
            throw new ArgumentException($"Index of rank {index.Length} for a view of rank {Rank}.", nameof(index));
        }

        int offset = Offset;
        for (int i = 0; i < Rank; i++)
        {
            if ((uint)index[i] >= (uint)Shape[i])
            {
                throw new ArgumentOutOfRangeException(nameof(index), $"Index {index[i]} out of range for dimension {i} of size {Shape[i]}.");
            }

            offset += index[i] * Strides[i];
        }

        return offset;
    }

    private void ResolveShape(ReadOnlySpan<int> shape, Span<int> resolved)
    {
        int inferred = -1;
        long known = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] == -1 && inferred < 0)
            {
                inferred = i;
                continue;
            }

            if (shape[i] < 0)
            {
                throw new ArgumentException($"Shape {Tensor.FormatShape(shape)} has a negative dimension.", nameof(shape));
            }

            known *= shape[i];
        }

        shape.CopyTo(resolved);
        if (inferred >= 0)
        {
            if (known == 0 || Length % known != 0)
            {
                throw new ArgumentException($"Cannot infer -1 in {Tensor.FormatShape(shape)} for {Length} elements.", nameof(shape));
            }

            resolved[inferred] = (int)(Length / known);
            known *= resolved[inferred];
        }

        if (known != Length)
        {
            throw new ArgumentException(
                $"Shape {Tensor.FormatShape(shape)} holds {known} elements but the view {Shape} has {Length}.", nameof(shape));
        }
    }
}
