using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace GenPipe.Tensors.SafeTensors;

/// <summary>
/// Writes safetensors files: float tensors as F32, F16 or BF16 (round to nearest even), and I64 arrays. Strided views
/// are written in row-major order. The header is padded with spaces to a multiple of 8 bytes and tensors are laid out
/// by descending element size, so every tensor's data is aligned to its element size (F32 data maps in place).
/// </summary>
/// <remarks>
/// Saving is atomic: the file is written to a temporary file in the same folder, flushed to disk and moved over
/// <c>path</c>; on any failure the temporary file is deleted and an existing file at <c>path</c> is left untouched.
/// </remarks>
public sealed class SafeTensorsWriter
{
    private const int ChunkElements = 1 << 16;
    private readonly Dictionary<string, Item> _items = new(StringComparer.Ordinal);

    /// <summary>Strings written as the header's <c>__metadata__</c> object.</summary>
    public IDictionary<string, string> Metadata { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Writes <paramref name="tensors"/> (all as <paramref name="dtype"/>) and optional metadata to <paramref name="path"/>.</summary>
    /// <exception cref="ArgumentException">A name is repeated or reserved, or the dtype is not F32, F16 or BF16.</exception>
    public static void Write(
        string path,
        IEnumerable<KeyValuePair<string, TensorView>> tensors,
        IReadOnlyDictionary<string, string>? metadata = null,
        SafeTensorsDType dtype = SafeTensorsDType.F32)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var writer = new SafeTensorsWriter();
        foreach (KeyValuePair<string, TensorView> tensor in tensors)
        {
            writer.Add(tensor.Key, tensor.Value, dtype);
        }

        foreach (KeyValuePair<string, string> item in metadata ?? new Dictionary<string, string>())
        {
            writer.Metadata[item.Key] = item.Value;
        }

        writer.Save(path);
    }

    /// <summary>Adds a float tensor, stored as <paramref name="dtype"/> (F32, F16 or BF16). The view is read on <see cref="Save"/>.</summary>
    public SafeTensorsWriter Add(string name, TensorView tensor, SafeTensorsDType dtype = SafeTensorsDType.F32)
    {
        if (tensor.IsNone)
        {
            throw new ArgumentException($"Tensor '{name}' is the none view; pass a real tensor.", nameof(tensor));
        }

        if (dtype is not (SafeTensorsDType.F32 or SafeTensorsDType.F16 or SafeTensorsDType.BF16))
        {
            throw new ArgumentException($"Float tensors are written as F32, F16 or BF16, not {dtype}.", nameof(dtype));
        }

        AddItem(name, new Item(name, dtype, tensor.Shape.ToArray(), tensor, null));
        return this;
    }

    /// <summary>Adds an I64 tensor of <paramref name="shape"/> with <paramref name="values"/> (row-major; not copied until <see cref="Save"/>).</summary>
    public SafeTensorsWriter AddInt64(string name, long[] values, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(shape);
        long count = 1;
        foreach (int dim in shape)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(dim, nameof(shape));
            count *= dim;
        }

        if (count != values.Length)
        {
            throw new ArgumentException($"Shape {Tensor.FormatShape(shape)} of '{name}' holds {count} elements but {values.Length} values were given.", nameof(shape));
        }

        AddItem(name, new Item(name, SafeTensorsDType.I64, (int[])shape.Clone(), default, values));
        return this;
    }

    /// <summary>Writes the file atomically (temporary file in the same folder, then moved into place).</summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string fullPath = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(fullPath)!;

        // Larger elements first keeps every tensor aligned to its own size without padding (readers refuse gaps).
        Item[] ordered = [.. _items.Values.OrderByDescending(i => SafeTensorsDTypes.BitSize(i.DType)).ThenBy(i => i.Name, StringComparer.Ordinal)];
        byte[] header = BuildHeader(ordered);

        string temporary = Path.Combine(folder, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                Span<byte> length = stackalloc byte[8];
                System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
                stream.Write(length);
                stream.Write(header);
                foreach (Item item in ordered)
                {
                    WriteData(stream, item);
                }

                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, fullPath, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    private void AddItem(string name, Item item)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name == "__metadata__")
        {
            throw new ArgumentException("'__metadata__' is reserved for the header's metadata; choose another tensor name.", nameof(name));
        }

        if (!_items.TryAdd(name, item))
        {
            throw new ArgumentException($"A tensor named '{name}' was already added; names must be unique.", nameof(name));
        }
    }

    private byte[] BuildHeader(Item[] ordered)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (Metadata.Count > 0)
            {
                json.WriteStartObject("__metadata__");
                foreach (KeyValuePair<string, string> item in Metadata.OrderBy(m => m.Key, StringComparer.Ordinal))
                {
                    json.WriteString(item.Key, item.Value);
                }

                json.WriteEndObject();
            }

            long offset = 0;
            foreach (Item item in ordered)
            {
                long bytes = item.ElementCount * SafeTensorsDTypes.BitSize(item.DType) / 8;
                json.WriteStartObject(item.Name);
                json.WriteString("dtype", item.DType.ToString());
                json.WriteStartArray("shape");
                foreach (int dim in item.Shape)
                {
                    json.WriteNumberValue(dim);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + bytes);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += bytes;
            }

            json.WriteEndObject();
        }

        // Pad with spaces (valid JSON whitespace) so the data section, and with it every tensor, starts 8-aligned.
        int padded = (buffer.WrittenCount + 7) & ~7;
        var header = new byte[padded];
        buffer.WrittenSpan.CopyTo(header);
        header.AsSpan(buffer.WrittenCount).Fill((byte)' ');
        return header;
    }

    private static void WriteData(FileStream stream, Item item)
    {
        if (item.Int64 is not null)
        {
            stream.Write(MemoryMarshal.AsBytes(item.Int64.AsSpan()));
            return;
        }

        ReadOnlySpan<float> values = item.Tensor.IsContiguous ? item.Tensor.Span : item.Tensor.ToArray();
        if (item.DType == SafeTensorsDType.F32)
        {
            stream.Write(MemoryMarshal.AsBytes(values));
            return;
        }

        byte[] chunk = ArrayPool<byte>.Shared.Rent(ChunkElements * 2);
        try
        {
            for (int start = 0; start < values.Length; start += ChunkElements)
            {
                ReadOnlySpan<float> part = values.Slice(start, Math.Min(ChunkElements, values.Length - start));
                Span<byte> bytes = chunk.AsSpan(0, part.Length * 2);
                if (item.DType == SafeTensorsDType.F16)
                {
                    TensorPrimitives.ConvertToHalf(part, MemoryMarshal.Cast<byte, Half>(bytes));
                }
                else
                {
                    BFloat16Conversion.FromSingle(part, MemoryMarshal.Cast<byte, ushort>(bytes));
                }

                stream.Write(bytes);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: the original error is the one worth reporting.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private sealed record Item(string Name, SafeTensorsDType DType, int[] Shape, TensorView Tensor, long[]? Int64)
    {
        public long ElementCount => Shape.Aggregate(1L, (count, dim) => count * dim);
    }
}
