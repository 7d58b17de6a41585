using System.IO.Compression;
using System.Text.Json;

namespace GenPipe.Testing;

/// <summary>
/// Reads the PyTorch fixtures the tests compare against: safetensors-format files (optionally gzipped) of F32 and I64
/// tensors written by <c>tools/fixtures/safetensors_io.py</c>. Deliberately independent of GenPipe's own safetensors
/// reader, so that a bug there cannot hide a wrong fixture comparison.
/// </summary>
internal sealed class FixtureFile
{
    private readonly Dictionary<string, (string DType, int[] Shape, byte[] Bytes)> _entries = new(StringComparer.Ordinal);

    private FixtureFile(string path)
    {
        Path = path;
    }

    public string Path { get; }

    public IEnumerable<string> Names => _entries.Keys;

    /// <summary>The file's <c>__metadata__</c> strings (empty when it has none).</summary>
    public Dictionary<string, string> Metadata { get; } = new(StringComparer.Ordinal);

    public static FixtureFile Load(string path)
    {
        byte[] bytes;
        if (path.EndsWith(".gz", StringComparison.Ordinal))
        {
            using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
            using var buffer = new MemoryStream();
            gz.CopyTo(buffer);
            bytes = buffer.ToArray();
        }
        else
        {
            bytes = File.ReadAllBytes(path);
        }

        var file = new FixtureFile(path);
        long headerLength = BitConverter.ToInt64(bytes, 0);
        using var header = JsonDocument.Parse(bytes.AsMemory(8, (int)headerLength));
        int dataStart = 8 + (int)headerLength;
        foreach (var property in header.RootElement.EnumerateObject())
        {
            if (property.Name == "__metadata__")
            {
                foreach (var item in property.Value.EnumerateObject())
                {
                    file.Metadata[item.Name] = item.Value.GetString()!;
                }

                continue;
            }

            string dtype = property.Value.GetProperty("dtype").GetString()!;
            int[] shape = property.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var offsets = property.Value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            file._entries[property.Name] = (dtype, shape, bytes.AsSpan(dataStart + (int)offsets[0], (int)(offsets[1] - offsets[0])).ToArray());
        }

        return file;
    }

    public bool Contains(string name) => _entries.ContainsKey(name);

    public int[] Shape(string name) => Entry(name).Shape;

    public float[] Floats(string name)
    {
        var entry = Entry(name);
        if (entry.DType != "F32")
        {
            throw new InvalidOperationException($"{Path}: '{name}' is {entry.DType}, not F32.");
        }

        var values = new float[entry.Bytes.Length / 4];
        Buffer.BlockCopy(entry.Bytes, 0, values, 0, entry.Bytes.Length);
        return values;
    }

    public long[] Longs(string name)
    {
        var entry = Entry(name);
        if (entry.DType != "I64")
        {
            throw new InvalidOperationException($"{Path}: '{name}' is {entry.DType}, not I64.");
        }

        var values = new long[entry.Bytes.Length / 8];
        Buffer.BlockCopy(entry.Bytes, 0, values, 0, entry.Bytes.Length);
        return values;
    }

    /// <summary>The fixture tensor as a new GenPipe tensor.</summary>
    public GenPipe.Tensors.Tensor Tensor(string name) => new(Floats(name), Shape(name));

    private (string DType, int[] Shape, byte[] Bytes) Entry(string name) =>
        _entries.TryGetValue(name, out var entry)
            ? entry
            : throw new KeyNotFoundException($"{Path} has no tensor '{name}'; it has: {string.Join(", ", _entries.Keys)}.");
}
