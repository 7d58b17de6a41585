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
        // Tensors stop at rank 8, so the long shape goes to the header builder directly.
        int[] shape = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2];
        byte[] header = NpyWriter.BuildHeader(shape);

        int headerLength = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(8));
        (header.Length % 64).ShouldBe(0);
        header.Length.ShouldBe(10 + headerLength);
        header.Length.ShouldBeGreaterThan(128);
    }

    private static byte[] Save(Tensor tensor)
    {
        using var stream = new MemoryStream();
        NpyWriter.Write(stream, tensor);
        return stream.ToArray();
    }
}
