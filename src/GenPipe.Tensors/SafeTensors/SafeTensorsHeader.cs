using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Microsoft.Win32.SafeHandles;

namespace GenPipe.Tensors.SafeTensors;

/// <summary>
/// Reads and validates a safetensors header: the 8-byte length, the JSON table of tensors and the layout of the data
/// section. Every check names the file, the tensor and the fix; nothing is allocated beyond the header's own bytes,
/// which are capped by the file size.
/// </summary>
internal sealed class SafeTensorsHeader
{
    /// <summary>The largest header accepted (upstream's cap), so a hostile length cannot make us allocate gigabytes.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private const string MetadataKey = "__metadata__";

    private SafeTensorsHeader(long dataStart, Dictionary<string, SafeTensorsEntry> entries, Dictionary<string, string> metadata)
    {
        DataStart = dataStart;
        Entries = entries;
        Metadata = metadata;
    }

    /// <summary>The absolute file position where the data section starts (8 + header length).</summary>
    public long DataStart { get; }

    /// <summary>The tensors by name.</summary>
    public Dictionary<string, SafeTensorsEntry> Entries { get; }

    /// <summary>The <c>__metadata__</c> strings (empty when absent).</summary>
    public Dictionary<string, string> Metadata { get; }

    /// <summary>Reads and validates the header of the open file.</summary>
    public static SafeTensorsHeader Read(SafeFileHandle file, string path)
    {
        long fileLength = RandomAccess.GetLength(file);
        if (fileLength < 8)
        {
            throw Error(path, null,
                $"the file has {fileLength} bytes, fewer than the 8-byte header length every safetensors file starts with",
                "the file is empty or truncated; download or export it again");
        }

        Span<byte> prefix = stackalloc byte[8];
        ReadExactly(file, prefix, 0, path);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > MaxHeaderBytes)
        {
            throw Error(path, null,
                $"the header claims {headerLength} bytes, more than the {MaxHeaderBytes}-byte limit",
                "this is not a safetensors file, or it is corrupt; export it again");
        }

        if ((long)headerLength > fileLength - 8)
        {
            throw Error(path, null,
                $"the header claims {headerLength} bytes but only {fileLength - 8} follow the length field",
                "the file is truncated or not a safetensors file; download or export it again");
        }

        var headerBytes = new byte[(int)headerLength];
        ReadExactly(file, headerBytes, 8, path);
        long dataStart = 8 + (long)headerLength;
        return Parse(headerBytes, fileLength - dataStart, dataStart, path);
    }

    /// <summary>Parses header bytes for a data section of <paramref name="dataLength"/> bytes.</summary>
    public static SafeTensorsHeader Parse(byte[] headerBytes, long dataLength, long dataStart, string path)
    {
        if (!Utf8.IsValid(headerBytes))
        {
            throw Error(path, null, "the header is not valid UTF-8",
                "the file is corrupt or not a safetensors file; export it again");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(headerBytes, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException ex)
        {
            throw new SafeTensorsFormatException(
                $"{path}: the header is not valid JSON ({ex.Message}). Fix: the file is corrupt or not a safetensors file; export it again.", ex)
            {
                FilePath = path,
            };
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw Error(path, null, $"the header is a JSON {document.RootElement.ValueKind}, not an object of tensors",
                    "the file is corrupt or not a safetensors file; export it again");
            }

            var entries = new Dictionary<string, SafeTensorsEntry>(StringComparer.Ordinal);
            Dictionary<string, string>? metadata = null;
            foreach (JsonProperty property in document.RootElement.EnumerateObject())
            {
                if (property.Name == MetadataKey)
                {
                    if (metadata is not null)
                    {
                        throw Error(path, null, $"'{MetadataKey}' appears twice", "keep one metadata object");
                    }

                    metadata = ParseMetadata(property.Value, path);
                    continue;
                }

                if (entries.ContainsKey(property.Name))
                {
                    throw Error(path, property.Name, "the name appears twice in the header",
                        "every tensor needs a unique name; export the file again");
                }

                entries.Add(property.Name, ParseEntry(property.Name, property.Value, dataStart, path));
            }

            CheckLayout(entries.Values, dataLength, path);
            return new SafeTensorsHeader(dataStart, entries, metadata ?? new Dictionary<string, string>(StringComparer.Ordinal));
        }
    }

    private static Dictionary<string, string> ParseMetadata(JsonElement value, string path)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Error(path, null, $"'{MetadataKey}' is a JSON {value.ValueKind}, not an object of strings",
                $"write '{MetadataKey}' as {{\"key\": \"value\", ...}}");
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (JsonProperty item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
            {
                throw Error(path, null, $"'{MetadataKey}.{item.Name}' is a JSON {item.Value.ValueKind}, not a string",
                    "metadata values must be strings; quote the value");
            }

            if (!metadata.TryAdd(item.Name, item.Value.GetString()!))
            {
                throw Error(path, null, $"'{MetadataKey}.{item.Name}' appears twice", "keep one value per metadata key");
            }
        }

        return metadata;
    }

    private static SafeTensorsEntry ParseEntry(string name, JsonElement value, long dataStart, string path)
    {
        const string Fix = "the header entry must be {\"dtype\": \"F32\", \"shape\": [..], \"data_offsets\": [begin, end]}";
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Error(path, name, $"the entry is a JSON {value.ValueKind}, not an object", Fix);
        }

        if (!value.TryGetProperty("dtype", out JsonElement dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
        {
            throw Error(path, name, "'dtype' is missing or not a string", Fix);
        }

        string dtypeText = dtypeElement.GetString()!;
        if (!SafeTensorsDTypes.TryParse(dtypeText, out SafeTensorsDType dtype))
        {
            throw Error(path, name, $"the dtype '{dtypeText}' is unknown",
                $"use one of {SafeTensorsDTypes.Names}");
        }

        if (!value.TryGetProperty("shape", out JsonElement shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
        {
            throw Error(path, name, "'shape' is missing or not an array", Fix);
        }

        var shape = new int[shapeElement.GetArrayLength()];
        ulong count = 1;
        bool overflow = false;
        int axis = 0;
        foreach (JsonElement dim in shapeElement.EnumerateArray())
        {
            if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt64(out long size) || size < 0)
            {
                throw Error(path, name, $"shape[{axis}] is {dim.GetRawText()}, not a non-negative integer",
                    "dimensions must be whole numbers >= 0");
            }

            if (size > int.MaxValue)
            {
                throw Error(path, name, $"shape[{axis}] is {size}, larger than GenPipe's limit of {int.MaxValue} per dimension",
                    "split the tensor into smaller ones");
            }

            shape[axis++] = (int)size;
            overflow |= size != 0 && count > ulong.MaxValue / (ulong)size;
            count = overflow ? count : count * (ulong)size;
        }

        if (!value.TryGetProperty("data_offsets", out JsonElement offsetsElement) || offsetsElement.ValueKind != JsonValueKind.Array
            || offsetsElement.GetArrayLength() != 2)
        {
            throw Error(path, name, "'data_offsets' is missing or not an array of two numbers", Fix);
        }

        long begin = ParseOffset(offsetsElement[0], name, "data_offsets[0]", path);
        long end = ParseOffset(offsetsElement[1], name, "data_offsets[1]", path);
        if (begin > end)
        {
            throw Error(path, name, $"data_offsets [{begin}, {end}] begin after they end", "begin must be <= end");
        }

        // A product that overflows cannot match any byte length, but say so plainly rather than compare garbage.
        int bits = SafeTensorsDTypes.BitSize(dtype);
        if (overflow || count > (ulong)long.MaxValue / 8)
        {
            throw Error(path, name, $"the shape {Tensor.FormatShape(shape)} holds more elements than any file can",
                "the header is corrupt; export the file again");
        }

        ulong expectedBits = count * (ulong)bits;
        ulong actualBits = (ulong)(end - begin) * 8;
        if (expectedBits != actualBits)
        {
            throw Error(path, name,
                $"{dtype}{Tensor.FormatShape(shape)} needs {expectedBits / 8.0} bytes but data_offsets [{begin}, {end}] span {end - begin}",
                "the shape, dtype or offsets are wrong; export the file again");
        }

        return new SafeTensorsEntry(name, dtype, shape, (long)count, begin, end, dataStart + begin);
    }

    private static long ParseOffset(JsonElement element, string name, string what, string path)
    {
        if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt64(out long value) || value < 0)
        {
            throw Error(path, name, $"{what} is {element.GetRawText()}, not a non-negative integer",
                "offsets are byte positions in the data section");
        }

        return value;
    }

    /// <summary>
    /// The tensors must tile the data section exactly, like upstream requires: sorted by offset, each starts where the
    /// previous ended, the first at 0 and the last at the end of the file. Overlaps would let two tensors alias the
    /// same bytes; gaps and trailing bytes hide data no tensor describes.
    /// </summary>
    private static void CheckLayout(IEnumerable<SafeTensorsEntry> entries, long dataLength, string path)
    {
        SafeTensorsEntry[] sorted = [.. entries.OrderBy(e => e.DataBegin).ThenBy(e => e.DataEnd)];
        long expected = 0;
        SafeTensorsEntry? previous = null;
        foreach (SafeTensorsEntry entry in sorted)
        {
            if (entry.DataEnd > dataLength)
            {
                throw Error(path, entry.Name,
                    $"data_offsets [{entry.DataBegin}, {entry.DataEnd}] reach past the data section's {dataLength} bytes",
                    "the file is truncated; download or export it again");
            }

            if (entry.DataBegin < expected)
            {
                throw Error(path, entry.Name,
                    $"data_offsets [{entry.DataBegin}, {entry.DataEnd}] overlap tensor '{previous!.Name}' [{previous.DataBegin}, {previous.DataEnd}]",
                    "every tensor needs its own bytes; export the file again");
            }

            if (entry.DataBegin > expected)
            {
                throw Error(path, entry.Name,
                    $"data_offsets begin at {entry.DataBegin} but the previous tensor ends at {expected}: {entry.DataBegin - expected} bytes belong to no tensor",
                    "the tensors must cover the data section without gaps; export the file again");
            }

            expected = entry.DataEnd;
            previous = entry;
        }

        if (expected != dataLength)
        {
            throw Error(path, null,
                $"the tensors cover {expected} bytes but the data section holds {dataLength}: {dataLength - expected} trailing bytes belong to no tensor",
                "the file has extra data or a tensor is missing from the header; export it again");
        }
    }

    private static void ReadExactly(SafeFileHandle file, Span<byte> buffer, long offset, string path)
    {
        int done = 0;
        while (done < buffer.Length)
        {
            int read = RandomAccess.Read(file, buffer[done..], offset + done);
            if (read == 0)
            {
                throw Error(path, null, $"the file ended after {offset + done} bytes while reading the header",
                    "the file is truncated or was changed while it was read; try again");
            }

            done += read;
        }
    }

    /// <summary>Builds the exception with the message shape every check uses: file, tensor, problem, fix.</summary>
    public static SafeTensorsFormatException Error(string path, string? tensor, string problem, string fix)
    {
        var message = new StringBuilder(path).Append(": ");
        if (tensor is not null)
        {
            message.Append("tensor '").Append(tensor).Append("': ");
        }

        message.Append(problem).Append(". Fix: ").Append(fix).Append('.');
        return new SafeTensorsFormatException(message.ToString()) { FilePath = path, TensorName = tensor };
    }
}
