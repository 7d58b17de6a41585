namespace GenPipe.Tensors.SafeTensors;

/// <summary>One tensor listed in a safetensors header: its name, element type, shape and where its bytes lie.</summary>
public sealed class SafeTensorsEntry
{
    internal SafeTensorsEntry(string name, SafeTensorsDType dtype, int[] shape, long elementCount, long dataBegin, long dataEnd, long fileOffset)
    {
        Name = name;
        DType = dtype;
        Shape = shape;
        ElementCount = elementCount;
        DataBegin = dataBegin;
        DataEnd = dataEnd;
        FileOffset = fileOffset;
    }

    /// <summary>The tensor's name (the header key).</summary>
    public string Name { get; }

    /// <summary>The element type stored in the file.</summary>
    public SafeTensorsDType DType { get; }

    /// <summary>The size of each dimension, outermost first (empty for a scalar). Do not modify.</summary>
    public int[] Shape { get; }

    /// <summary>The number of elements (the product of <see cref="Shape"/>).</summary>
    public long ElementCount { get; }

    /// <summary>The first byte, relative to the start of the data section (the header's <c>data_offsets[0]</c>).</summary>
    public long DataBegin { get; }

    /// <summary>One past the last byte, relative to the start of the data section (<c>data_offsets[1]</c>).</summary>
    public long DataEnd { get; }

    /// <summary>The number of bytes the tensor occupies.</summary>
    public long ByteLength => DataEnd - DataBegin;

    /// <summary>The absolute position of the first byte in the file.</summary>
    public long FileOffset { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Name}: {DType}{Tensor.FormatShape(Shape)}";
}
