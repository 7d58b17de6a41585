using System.Buffers.Binary;
using System.Text;
using GenPipe.Core.Imaging;
using GenPipe.Tensors;
using Shouldly;
using Xunit;

namespace GenPipe.Core.Tests.Imaging;

public sealed class NpyWriterTests
{
    // Headers as numpy 1.24's np.save writes them for float32 arrays of these shapes (128 bytes each).
    [Theory]
    [InlineData(new[] { 2, 3 }, "(2, 3)")]
    [InlineData(new[] { 5 }, "(5,)")]
    [InlineData(new int[0], "()")]
    [InlineData(new[] { 1, 4, 8, 8 }, "(1, 4, 8, 8)")]
    public void HeaderMatchesNumpyByteForByte(int[] shape, string tuple)
    {
        string dictionary = "{'descr': '<f4', 'fortran_order': False, 'shape': " + tuple + ", }";
        byte[] expected =
        [
            0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, 118, 0,
            .. Encoding.ASCII.GetBytes(dictionary.PadRight(117) + "\n"),
        ];

        byte[] file = Save(Tensor.Zeros(shape));

        file[..128].ShouldBe(expected);
    }

    [Fact]
    public void HeaderParsesBackAndDataFollowsLittleEndian()
    {
        var tensor = new Tensor([1f, -2.5f, 3.25f, float.NaN, 0f, 1e-30f], 3, 2);

        byte[] file = Save(tensor);

        int headerLength = BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(8));
        (10 + headerLength).ShouldBe(128);
        string header = Encoding.ASCII.GetString(file, 10, headerLength);
        header.ShouldEndWith("\n");
        header.ShouldContain("'descr': '<f4'");
        header.ShouldContain("'fortran_order': False");
        header.ShouldContain("'shape': (3, 2)");
        file.Length.ShouldBe(128 + (6 * 4));
        for (int i = 0; i < 6; i++)
        {
            float value = BinaryPrimitives.ReadSingleLittleEndian(file.AsSpan(128 + (4 * i)));
            BitConverter.SingleToInt32Bits(value).ShouldBe(BitConverter.SingleToInt32Bits(tensor.Span[i]));
        }
    }

    [Fact]
    public void LongShapesGrowTheHeaderInWholeBlocksOf64()
    {
        byte[] file = Save(Tensor.Zeros(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2));

        int headerLength = BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(8));
        ((10 + headerLength) % 64).ShouldBe(0);
        (10 + headerLength).ShouldBeGreaterThan(128);
        file.Length.ShouldBe(10 + headerLength + 8);
    }

    private static byte[] Save(Tensor tensor)
    {
        using var stream = new MemoryStream();
        NpyWriter.Write(stream, tensor);
        return stream.ToArray();
    }
}
