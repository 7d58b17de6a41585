using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using GenPipe.Tensors;

namespace GenPipe.Core.Imaging;

/// <summary>
/// Writes tensors as NumPy <c>.npy</c> files (format version 1.0, little-endian float32 <c>'&lt;f4'</c>, C order), which
/// numpy, PyTorch and most analysis tools read directly.
/// </summary>
public static class NpyWriter
{
    /// <summary>The header (magic, version, length, dictionary) is padded to a multiple of this, as numpy does.</summary>
    private const int HeaderAlignment = 64;

    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0];

    /// <summary>Floats written between two looks at the cancellation token (4 MiB): a large file stops promptly.</summary>
    private const int ChunkFloats = 1 << 20;

    /// <summary>Writes <paramref name="tensor"/> with its shape, in chunks, observing <paramref name="cancellationToken"/>.</summary>
    public static void Write(Stream stream, Tensor tensor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensor);
        tensor = tensor.Contiguous();
        stream.Write(BuildHeader(tensor.Shape));

        if (BitConverter.IsLittleEndian)
        {
            ReadOnlySpan<float> values = tensor.Span;
            for (int start = 0; start < values.Length; start += ChunkFloats)
            {
                cancellationToken.ThrowIfCancellationRequested();
                stream.Write(MemoryMarshal.AsBytes(values.Slice(start, Math.Min(ChunkFloats, values.Length - start))));
            }

            return;
        }

        var bytes = new byte[4];
        foreach (float value in tensor.Span)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes, value);
            stream.Write(bytes);
        }
    }

    /// <summary>Writes <paramref name="tensor"/> to a file at <paramref name="path"/>, replacing any file there.</summary>
    public static void Write(string path, Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = File.Create(path);
        Write(stream, tensor);
    }

    /// <summary>The magic, version, header length and the space-padded, newline-terminated header dictionary.</summary>
    internal static byte[] BuildHeader(ReadOnlySpan<int> shape)
    {
        string dims = shape.Length switch
        {
            0 => "()",
            1 => $"({shape[0].ToString(CultureInfo.InvariantCulture)},)",
            _ => "(" + string.Join(", ", shape.ToArray().Select(d => d.ToString(CultureInfo.InvariantCulture))) + ")",
        };
        string dictionary = $"{{'descr': '<f4', 'fortran_order': False, 'shape': {dims}, }}";

        int unpadded = Magic.Length + 2 + dictionary.Length + 1;
        int padding = (HeaderAlignment - (unpadded % HeaderAlignment)) % HeaderAlignment;
        string text = dictionary + new string(' ', padding) + "\n";

        var header = new byte[Magic.Length + 2 + text.Length];
        Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(Magic.Length), checked((ushort)text.Length));
        Encoding.ASCII.GetBytes(text, header.AsSpan(Magic.Length + 2));
        return header;
    }
}
