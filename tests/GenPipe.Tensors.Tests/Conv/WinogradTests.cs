using GenPipe.Tensors.Backends;
using GenPipe.Tensors.Cpu.Conv;
using GenPipe.Tensors.Tests.Gemm;
using Shouldly;
using Xunit;
using static GenPipe.Tensors.Tests.Gemm.KernelTestSupport;

namespace GenPipe.Tensors.Tests.Conv;

/// 3x3 stride-1 convolutions with enough 2x2 output tiles run as Winograd F(2x2, 3x3): against a direct
/// double-precision convolution plus bias and residual, with channel counts that leave vector tails, one and two
/// images, odd tile-row counts per chunk, and one and two threads; and the small images the direct path keeps.
[Collection(KernelTestSupport.Collection)]
public sealed class WinogradTests
{
    [Theory]
    [InlineData(1, 32, 8, 1, 32, 32)]
    [InlineData(2, 37, 13, 2, 26, 40)]
    [InlineData(2, 64, 24, 2, 64, 16)]
    [InlineData(1, 40, 640, 1, 32, 34)]
    [InlineData(2, 40, 1280, 2, 16, 16)]
    public void Matches_a_direct_convolution_with_bias_and_residual(int threads, int cin, int cout, int images, int height, int width) =>
        MatMulReferenceTests.WithThreads(threads, () =>
        {
            var x = Random(10 + cin, images, cin, height, width);
            var weight = Random(20 + cout, cout, cin, 3, 3);
            var bias = Random(30, cout);
            var residual = Random(40, images, cout, height, width);
            var packed = (CpuPackedConv2d)Backend.PackConv2d(weight, Conv2dGeometry.Square(stride: 1, padding: 1));
            packed.Winograd.ShouldNotBeNull();
            WinogradConv.Suits(height, width).ShouldBeTrue();
            var output = Tensor.Zeros(images, cout, height, width);

            Backend.Conv2d(x, packed, output, new GemmEpilogue(bias, residual: residual));

            float[] expected = StridedImageRowTests.Direct(x.View, weight.View, 1, 1, height, width);
            var r = residual.View.ToArray();
            var b = bias.View.ToArray();
            for (int i = 0; i < expected.Length; i++)
            {
                expected[i] += b[i / (height * width) % cout] + r[i];
            }

            ShouldMatch(output, expected, $"{images}x{cin}->{cout} {height}x{width}, {threads} thread(s)");
        });

    [Fact]
    public void The_transformed_copy_is_made_by_the_first_call_that_takes_the_path()
    {
        var weight = Random(3, 32, 32, 3, 3);
        var packed = (CpuPackedConv2d)Backend.PackConv2d(weight, Conv2dGeometry.Square(stride: 1, padding: 1));
        long packedOnly = packed.ByteCount;

        Backend.Conv2d(Random(4, 1, 32, 8, 8), packed, Tensor.Zeros(1, 32, 8, 8), new GemmEpilogue(bias: default));
        packed.ByteCount.ShouldBe(packedOnly, "16 tiles run the direct path and hold no transformed copy");

        var x = Random(5, 1, 32, 32, 32);
        var output = Tensor.Zeros(1, 32, 32, 32);
        Backend.Conv2d(x, packed, output, new GemmEpilogue(bias: default));
        long transformed = 16L * 32 * 32 * sizeof(float);
        (packed.ByteCount - packedOnly).ShouldBeInRange(transformed, 3 * transformed, "16 packed [Cin, Cout] matrices (with padding)");
        ShouldMatch(output, StridedImageRowTests.Direct(x.View, weight.View, 1, 1, 32, 32), "copy made from the packed weights");
    }

    [Fact]
    public void Small_images_and_narrow_inputs_keep_the_direct_path()
    {
        WinogradConv.Suits(16, 16).ShouldBeTrue("64 tiles, the least that takes the path");
        WinogradConv.Suits(14, 16).ShouldBeFalse("56 tiles");
        WinogradConv.Suits(8, 8).ShouldBeFalse("16 tiles");
        WinogradConv.Suits(33, 32).ShouldBeFalse("odd height");
        ((CpuPackedConv2d)Backend.PackConv2d(Random(1, 8, 16, 3, 3), Conv2dGeometry.Square(1, 1))).Winograd.ShouldBeNull();
        ((CpuPackedConv2d)Backend.PackConv2d(Random(1, 32, 32, 3, 3), Conv2dGeometry.Square(2, 1))).Winograd.ShouldBeNull();
        ((CpuPackedConv2d)Backend.PackConv2d(Random(1, 1280, 32, 3, 3), Conv2dGeometry.Square(1, 1))).Winograd.ShouldNotBeNull("wide outputs take it too");
    }
}
