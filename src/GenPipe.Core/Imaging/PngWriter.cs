using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace GenPipe.Core.Imaging;

/// <summary>
/// Writes 8-bit RGB or greyscale PNG files (non-interlaced): signature, IHDR, one IDAT compressed with zlib, IEND.
/// Each row gets the filter whose output has the smallest sum of absolute signed bytes, the heuristic the PNG
/// specification recommends.
/// </summary>
public static class PngWriter
{
    private const byte ColorTypeGray = 0;
    private const byte ColorTypeRgb = 2;

    /// <summary>The eight bytes every PNG file starts with.</summary>
    internal static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>
    /// Writes <paramref name="image"/> as an RGB PNG, with <paramref name="text"/> entries as text chunks
    /// (<see cref="PngText"/>) before the pixels, where A1111 and ComfyUI put their generation parameters.
    /// </summary>
    public static void Write(Stream stream, RgbImage image, IEnumerable<KeyValuePair<string, string>>? text = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(image);
        WriteCore(stream, image.Width, image.Height, ColorTypeRgb, 3, image.Pixels, text);
    }

    /// <summary>Writes <paramref name="image"/> as an RGB PNG file at <paramref name="path"/>, replacing any file there.</summary>
    public static void Write(string path, RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = File.Create(path);
        Write(stream, image);
    }

    /// <summary>Writes an 8-bit greyscale PNG from <c>width * height</c> bytes, row-major.</summary>
    /// <exception cref="ArgumentException">The pixel count does not match the size.</exception>
    public static void WriteGray(Stream stream, int width, int height, ReadOnlySpan<byte> pixels)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (pixels.Length != (long)width * height)
        {
            throw new ArgumentException($"A {width}x{height} greyscale image needs {(long)width * height} bytes, not {pixels.Length}.", nameof(pixels));
        }

        WriteCore(stream, width, height, ColorTypeGray, 1, pixels, null);
    }

    private static void WriteCore(Stream stream, int width, int height, byte colorType, int bytesPerPixel, ReadOnlySpan<byte> pixels, IEnumerable<KeyValuePair<string, string>>? text)
    {
        stream.Write(Signature);

        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], height);
        header[8] = 8; // bit depth
        header[9] = colorType;
        header[10] = 0; // compression: deflate
        header[11] = 0; // filter method: adaptive
        header[12] = 0; // no interlace
        WriteChunk(stream, "IHDR", header);
        foreach (var (keyword, value) in text ?? [])
        {
            var (type, payload) = PngText.Encode(keyword, value);
            WriteChunk(stream, type, payload);
        }

        WriteChunk(stream, "IDAT", Compress(width, height, bytesPerPixel, pixels));
        WriteChunk(stream, "IEND", []);
    }

    private static byte[] Compress(int width, int height, int bytesPerPixel, ReadOnlySpan<byte> pixels)
    {
        int stride = width * bytesPerPixel;
        var previous = new byte[stride];
        var best = new byte[stride];
        var candidate = new byte[stride];
        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            for (int y = 0; y < height; y++)
            {
                var row = pixels.Slice(y * stride, stride);
                byte bestType = 0;
                long bestScore = long.MaxValue;
                for (byte type = PngFilter.None; type <= PngFilter.Paeth; type++)
                {
                    PngFilter.Apply(type, row, previous, bytesPerPixel, candidate);
                    long score = Score(candidate);
                    if (score < bestScore)
                    {
                        bestScore = score;
                        bestType = type;
                        (best, candidate) = (candidate, best);
                    }
                }

                zlib.WriteByte(bestType);
                zlib.Write(best);
                row.CopyTo(previous);
            }
        }

        return compressed.ToArray();
    }

    private static long Score(ReadOnlySpan<byte> filtered)
    {
        long sum = 0;
        foreach (byte b in filtered)
        {
            sum += Math.Abs((int)(sbyte)b);
        }

        return sum;
    }

    private static void WriteChunk(Stream stream, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> buffer = stackalloc byte[8];
        BinaryPrimitives.WriteInt32BigEndian(buffer, data.Length);
        Encoding.ASCII.GetBytes(type, buffer[4..]);
        stream.Write(buffer);
        stream.Write(data);

        uint crc = Crc32.Finish(Crc32.Append(Crc32.Append(Crc32.Start, buffer[4..]), data));
        BinaryPrimitives.WriteUInt32BigEndian(buffer, crc);
        stream.Write(buffer[..4]);
    }
}
