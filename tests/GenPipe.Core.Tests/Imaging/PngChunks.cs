using System.Buffers.Binary;
using System.Text;
using GenPipe.Core.Imaging;

namespace GenPipe.Core.Tests.Imaging;

/// <summary>Assembles PNG files chunk by chunk for decoder tests.</summary>
internal static class PngChunks
{
    public static byte[] Build(int width, int height, byte colorType, byte[] idatPayload)
    {
        using var file = new MemoryStream();
        file.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8;
        header[9] = colorType;
        Write(file, "IHDR", header);
        Write(file, "IDAT", idatPayload);
        Write(file, "IEND", []);
        return file.ToArray();
    }

    public static void Write(Stream file, string type, byte[] data)
    {
        var typeAndData = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        var buffer = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(buffer, data.Length);
        file.Write(buffer);
        file.Write(typeAndData);
        BinaryPrimitives.WriteUInt32BigEndian(buffer, Crc32.Compute(typeAndData));
        file.Write(buffer);
    }
}
