using GenPipe.Tensors.Backends;
using Shouldly;
using GenPipe.Tensors.Tests.Gemm;
using Xunit;
using static GenPipe.Tensors.Tests.Gemm.KernelTestSupport;

namespace GenPipe.Tensors.Tests.Conv;

/// Contract details of the CPU convolution: checks, foreign weights, strided outputs and residual aliasing.
[Collection(KernelTestSupport.Collection)]
public sealed class Conv2dBehaviorTests
{
    [Fact]
    public void Output_shape_mismatch_names_the_shapes()
    {
        var packed = Backend.PackConv2d(Tensor.Zeros(8, 4, 3, 3), Conv2dGeometry.Square(1, 1));
        var error = Should.Throw<ArgumentException>(() =>
            Backend.Conv2d(Tensor.Zeros(1, 4, 10, 10), packed, Tensor.Zeros(1, 8, 9, 9), GemmEpilogue.None));
        error.Message.ShouldContain("[1, 4, 10, 10]");
        error.Message.ShouldContain("[1, 8, 9, 9]");
        error.Message.ShouldContain("[1, 8, 10, 10]");
    }

    [Fact]
    public void Input_channel_mismatch_is_refused()
    {
        var packed = Backend.PackConv2d(Tensor.Zeros(8, 4, 3, 3), Conv2dGeometry.Square(1, 1));
        Should.Throw<ArgumentException>(() =>
            Backend.Conv2d(Tensor.Zeros(1, 5, 10, 10), packed, Tensor.Zeros(1, 8, 10, 10), GemmEpilogue.None)).Message.ShouldContain("[1, 5, 10, 10]");
    }

    [Fact]
    public void Weights_packed_by_another_backend_are_refused()
    {
        Should.Throw<ArgumentException>(() =>
            Backend.Conv2d(Tensor.Zeros(1, 4, 5, 5), new ForeignWeights(), Tensor.Zeros(1, 4, 5, 5), GemmEpilogue.None)).Message.ShouldContain("elsewhere");
    }

    [Fact]
    public void Groups_that_do_not_divide_the_channels_are_refused() =>
        Should.Throw<ArgumentException>(() => Backend.PackConv2d(Tensor.Zeros(6, 2, 3, 3), Conv2dGeometry.Square(1, 1, groups: 4)));

    [Fact]
    public void Writes_into_a_channel_slice_of_a_larger_output()
    {
        // A UNet concatenation: the convolution fills channels [3, 11) of a [2, 12, 9, 9] buffer directly.
        var input = Random(1, 2, 5, 9, 9);
        var packed = Backend.PackConv2d(Random(2, 8, 5, 3, 3), Conv2dGeometry.Square(1, 1));
        var expected = Tensor.Zeros(2, 8, 9, 9);
        Backend.Conv2d(input, packed, expected, GemmEpilogue.None);
        var buffer = Tensor.Full(7f, 2, 12, 9, 9);
        Backend.Conv2d(input, packed, buffer.View.Slice(1, 3, 8), GemmEpilogue.None);
        ShouldMatch(buffer.View.Slice(1, 3, 8), expected.Span, "channel slice", 0);
        buffer.View.Slice(1, 0, 3).ToArray().ShouldAllBe(v => v == 7f);
        buffer.View.Slice(1, 11, 1).ToArray().ShouldAllBe(v => v == 7f);
    }

    [Fact]
    public void Residual_may_be_the_output_itself()
    {
        var input = Random(3, 1, 16, 12, 12);
        var packed = Backend.PackConv2d(Random(4, 16, 16, 3, 3), Conv2dGeometry.Square(1, 1));
        var expected = Tensor.Zeros(1, 16, 12, 12);
        Backend.Conv2d(input, packed, expected, new GemmEpilogue(residual: Random(5, 1, 16, 12, 12)));
        var output = Random(5, 1, 16, 12, 12);
        Backend.Conv2d(input, packed, output, new GemmEpilogue(residual: output));
        ShouldMatch(output, expected.Span, "aliased residual", 0);
    }

    [Fact]
    public void Strided_input_gives_the_same_result_as_a_dense_copy()
    {
        var wide = Random(6, 1, 3, 10, 14);
        var cropped = wide.View.Slice(3, 2, 9); // rows no longer dense
        var packed = Backend.PackConv2d(Random(7, 4, 3, 3, 3), Conv2dGeometry.Square(2, 1));
        var fromView = Tensor.Zeros(1, 4, 5, 5);
        var fromCopy = Tensor.Zeros(1, 4, 5, 5);
        Backend.Conv2d(cropped, packed, fromView, GemmEpilogue.None);
        Backend.Conv2d(new Tensor(cropped).Clone(), packed, fromCopy, GemmEpilogue.None);
        fromView.Span.ToArray().ShouldBe(fromCopy.Span.ToArray());
    }

    [Fact]
    public void Box_filter_on_ones_counts_the_taps_inside_the_image()
    {
        // A 3x3 all-ones kernel on an all-ones 4x5 image with padding 1: 4 taps in corners, 6 on edges, 9 inside.
        var packed = Backend.PackConv2d(Tensor.Full(1f, 1, 1, 3, 3), Conv2dGeometry.Square(1, 1));
        var output = Tensor.Zeros(1, 1, 4, 5);
        Backend.Conv2d(Tensor.Full(1f, 1, 1, 4, 5), packed, output, GemmEpilogue.None);
        output.Span.ToArray().ShouldBe([4, 6, 6, 6, 4, 6, 9, 9, 9, 6, 6, 9, 9, 9, 6, 4, 6, 6, 6, 4]);
    }

    private sealed class ForeignWeights : PackedConv2d
    {
        public override int OutChannels => 4;

        public override int InChannels => 4;

        public override int KernelH => 3;

        public override int KernelW => 3;

        public override Conv2dGeometry Geometry => Conv2dGeometry.Square(1, 1);

        public override string Device => "elsewhere";
    }
}
