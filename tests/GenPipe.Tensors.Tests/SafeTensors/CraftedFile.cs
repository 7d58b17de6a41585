using System.Buffers.Binary;
using System.Text;

namespace GenPipe.Tensors.Tests.SafeTensors;

/// <summary>Builds safetensors bytes by hand, so tests can describe broken files exactly.</summary>
internal static class CraftedFile
{
    /// <summary>8-byte length, the header text as given (no padding), then the data.</summary>
    public static byte[] Build(string header, byte[]? data = null) => Build(Encoding.UTF8.GetBytes(header), data);

    public static byte[] Build(byte[] header, byte[]? data = null) => Build((ulong)header.Length, header, data);

    /// <summary>A file whose length field says <paramref name="claimedLength"/> whatever the header really holds.</summary>
    public static byte[] Build(ulong claimedLength, byte[] header, byte[]? data = null)
    {
        data ??= [];
        var bytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, claimedLength);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        return bytes;
    }

    public static byte[] Floats(params float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        }

        return bytes;
    }
}
