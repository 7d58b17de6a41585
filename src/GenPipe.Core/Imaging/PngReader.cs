using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace GenPipe.Core.Imaging;

/// <summary>
/// A strict decoder for the PNGs GenPipe writes: 8-bit greyscale or RGB, non-interlaced, any of the five filters.
/// It checks the signature, every chunk's CRC, the chunk order (IHDR first, IDAT chunks together, IEND last) and the
/// decompressed size, so tests can use it to validate files.
/// </summary>
public static class PngReader
{
    /// <summary>Decodes a PNG from <paramref name="stream"/>.</summary>
    /// <exception cref="InvalidDataException">The data is not a valid PNG of the supported kind; the message says why.</exception>
    public static PngImage Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return Read(buffer.ToArray());
    }

    /// <summary>Decodes the PNG file at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not a valid PNG of the supported kind; the message names it.</exception>
    public static PngImage Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            return Read(File.ReadAllBytes(path));
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>Decodes a PNG held in memory.</summary>
    /// <exception cref="InvalidDataException">The data is not a valid PNG of the supported kind; the message says why.</exception>
    public static PngImage Read(ReadOnlySpan<byte> data)
    {
        if (!data.StartsWith(PngWriter.Signature))
        {
            throw new InvalidDataException("Not a PNG: the 8-byte signature is missing.");
        }

        var chunkTypes = new List<string>();
        var text = new List<KeyValuePair<string, string>>();
        using var idat = new MemoryStream();
        ReadOnlySpan<byte> header = default;
        int position = PngWriter.Signature.Length;
        while (position < data.Length)
        {
            if (data.Length - position < 12)
            {
                throw new InvalidDataException($"Truncated chunk at byte {position}.");
            }

            int length = BinaryPrimitives.ReadInt32BigEndian(data[position..]);
            if (length < 0 || length > data.Length - position - 12)
            {
                throw new InvalidDataException($"Chunk at byte {position} claims {length} bytes, more than the file holds.");
            }

            var typeAndData = data.Slice(position + 4, 4 + length);
            string type = Encoding.ASCII.GetString(typeAndData[..4]);
            uint stored = BinaryPrimitives.ReadUInt32BigEndian(data[(position + 8 + length)..]);
            uint actual = Crc32.Compute(typeAndData);
            if (stored != actual)
            {
                throw new InvalidDataException($"Chunk {type} at byte {position} has CRC {stored:X8}, but its bytes give {actual:X8}.");
            }

            CheckOrder(chunkTypes, type);
            chunkTypes.Add(type);
            var payload = typeAndData[4..];
            if (type == "IHDR")
            {
                header = payload;
            }
            else if (type == "IDAT")
            {
                idat.Write(payload);
            }
            else if (PngText.Decode(type, payload) is { } entry)
            {
                text.Add(entry);
            }

            position += 12 + length;
            if (type == "IEND")
            {
                break;
            }
        }

        if (chunkTypes.Count == 0 || chunkTypes[^1] != "IEND")
        {
            throw new InvalidDataException("The file ends without an IEND chunk.");
        }

        if (position != data.Length)
        {
            throw new InvalidDataException($"{data.Length - position} bytes follow the IEND chunk.");
        }

        var (width, height, channels) = ParseHeader(header);
        byte[] pixels = Decompress(idat, width, height, channels);
        return new PngImage(width, height, channels, pixels, chunkTypes) { Text = text };
    }

    private static void CheckOrder(List<string> seen, string type)
    {
        if (seen.Count == 0 && type != "IHDR")
        {
            throw new InvalidDataException($"The first chunk is {type}; a PNG must start with IHDR.");
        }

        if (seen.Count > 0 && type == "IHDR")
        {
            throw new InvalidDataException("A second IHDR chunk.");
        }

        if (type == "IDAT" && seen.Contains("IDAT") && seen[^1] != "IDAT")
        {
            throw new InvalidDataException($"IDAT chunks must be consecutive, but {seen[^1]} separates them.");
        }

        if (type == "IEND" && !seen.Contains("IDAT"))
        {
            throw new InvalidDataException("IEND before any IDAT chunk.");
        }
    }

    private static (int Width, int Height, int Channels) ParseHeader(ReadOnlySpan<byte> header)
    {
        if (header.Length != 13)
        {
            throw new InvalidDataException($"IHDR holds {header.Length} bytes; it must hold 13.");
        }

        int width = BinaryPrimitives.ReadInt32BigEndian(header);
        int height = BinaryPrimitives.ReadInt32BigEndian(header[4..]);
        if (width < 1 || height < 1)
        {
            throw new InvalidDataException($"Image size {width}x{height} is not positive.");
        }

        if (header[8] != 8)
        {
            throw new InvalidDataException($"Bit depth {header[8]} is not supported (only 8).");
        }

        int channels = header[9] switch
        {
            0 => 1,
            2 => 3,
            _ => throw new InvalidDataException($"Colour type {header[9]} is not supported (only 0 greyscale and 2 RGB)."),
        };
        if (header[10] != 0 || header[11] != 0 || header[12] != 0)
        {
            throw new InvalidDataException("Only deflate compression, adaptive filtering and no interlacing are supported.");
        }

        return (width, height, channels);
    }

    private static byte[] Decompress(MemoryStream idat, int width, int height, int channels)
    {
        int stride = checked(width * channels);
        var raw = new byte[checked((stride + 1) * height)];
        idat.Position = 0;
        using (var zlib = new ZLibStream(idat, CompressionMode.Decompress, leaveOpen: true))
        {
            int read = zlib.ReadAtLeast(raw, raw.Length, throwOnEndOfStream: false);
            if (read != raw.Length)
            {
                throw new InvalidDataException($"The image data holds {read} bytes after decompression; {width}x{height} needs {raw.Length}.");
            }

            if (zlib.ReadByte() != -1)
            {
                throw new InvalidDataException($"The image data holds more than the {raw.Length} bytes {width}x{height} needs.");
            }
        }

        var pixels = new byte[stride * height];
        var previous = new byte[stride];
        for (int y = 0; y < height; y++)
        {
            var row = raw.AsSpan((y * (stride + 1)) + 1, stride);
            PngFilter.Undo(raw[y * (stride + 1)], row, previous, channels);
            row.CopyTo(pixels.AsSpan(y * stride));
            row.CopyTo(previous);
        }

        return pixels;
    }
}
