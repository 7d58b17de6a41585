using GenPipe.Tensors.Backends;
using Shouldly;
using Xunit;
using static GenPipe.Tensors.Tests.Gemm.KernelTestSupport;

namespace GenPipe.Tensors.Tests.Gemm;

/// Contract details of the CPU product: checks, aliasing, strided rows, prepacking and thread-count independence.
[Collection(KernelTestSupport.Collection)]
public sealed class MatMulBehaviorTests
{
    [Fact]
    public void Shape_mismatch_names_both_shapes()
    {
        var error = Should.Throw<ArgumentException>(() =>
            Backend.MatMul(Tensor.Zeros(4, 5), Tensor.Zeros(6, 7), Tensor.Zeros(4, 7), GemmEpilogue.None));
        error.Message.ShouldContain("[4, 5]");
        error.Message.ShouldContain("[6, 7]");
    }

    [Fact]
    public void Bias_of_the_wrong_length_is_refused()
    {
        var error = Should.Throw<ArgumentException>(() =>
            Backend.MatMul(Tensor.Zeros(4, 5), Tensor.Zeros(5, 7), Tensor.Zeros(4, 7), new GemmEpilogue(Tensor.Zeros(6))));
        error.Message.ShouldContain("[6]");
        error.Message.ShouldContain("7");
    }

    [Fact]
    public void A_matrix_packed_by_another_backend_is_refused()
    {
        var error = Should.Throw<ArgumentException>(() =>
            Backend.MatMul(Tensor.Zeros(2, 3), new ForeignMatrix(), Tensor.Zeros(2, 4), GemmEpilogue.None));
        error.Message.ShouldContain("elsewhere");
    }

    [Fact]
    public void Packed_and_unpacked_b_give_identical_results()
    {
        var a = Random(1, 45, 300);
        var b = Random(2, 300, 130);
        var plain = Tensor.Zeros(45, 130);
        var packed = Tensor.Zeros(45, 130);
        Backend.MatMul(a, b, plain, GemmEpilogue.None);
        Backend.MatMul(a, Backend.PackMatrix(b), packed, GemmEpilogue.None);
        packed.Span.ToArray().ShouldBe(plain.Span.ToArray());
    }

    [Fact]
    public void One_and_two_threads_give_identical_results()
    {
        var a = Random(3, 2, 70, 600);
        var b = Random(4, 600, 200);
        var one = Tensor.Zeros(2, 70, 200);
        var two = Tensor.Zeros(2, 70, 200);
        MatMulReferenceTests.WithThreads(1, () => Backend.MatMul(a, b, one, GemmEpilogue.None));
        MatMulReferenceTests.WithThreads(2, () => Backend.MatMul(a, b, two, GemmEpilogue.None));
        two.Span.ToArray().ShouldBe(one.Span.ToArray());
    }

    [Fact]
    public void Residual_may_be_the_output_itself()
    {
        var a = Random(5, 20, 700);
        var b = Random(6, 700, 90);
        var expected = Tensor.Zeros(20, 90);
        var residual = Random(7, 20, 90);
        Backend.MatMul(a, b, expected, new GemmEpilogue(residual: residual));
        var output = Random(7, 20, 90);
        Backend.MatMul(a, b, output, new GemmEpilogue(residual: output));
        ShouldMatch(output, expected.Span, "aliased residual", 0);
    }

    [Fact]
    public void Packed_product_reads_rows_that_no_single_stride_reaches()
    {
        var whole = Random(8, 2, 7, 64);
        var rows = whole.View.Slice(1, 1, 5); // [2, 5, 64] with strides [448, 64, 1]
        var weight = Random(9, 64, 33);
        var output = Tensor.Zeros(2, 5, 33);
        Backend.MatMul(rows, Backend.PackMatrix(weight), output, GemmEpilogue.None);
        var dense = new Tensor(rows).Clone();
        var expected = Tensor.Zeros(2, 5, 33);
        Backend.MatMul(dense, weight, expected, GemmEpilogue.None);
        ShouldMatch(output, expected.Span, "strided rows", 0);
    }

    [Fact]
    public void Zero_depth_gives_the_epilogue_of_zero()
    {
        var output = Tensor.Full(9f, 3, 4);
        var bias = Tensor.FromSpan([1f, 2f, 3f, 4f], 4);
        Backend.MatMul(Tensor.Zeros(3, 0), Tensor.Zeros(0, 4), output, new GemmEpilogue(bias));
        output.Span.ToArray().ShouldBe([1f, 2f, 3f, 4f, 1f, 2f, 3f, 4f, 1f, 2f, 3f, 4f]);
    }

    [Fact]
    public void Closed_form_product_of_ones_counts_the_depth()
    {
        // Every entry of ones[M, K] · ones[K, N] is K, across edge tiles in every direction.
        var output = Tensor.Zeros(13, 67);
        Backend.MatMul(Tensor.Full(1f, 13, 1031), Tensor.Full(1f, 1031, 67), output, new GemmEpilogue(alpha: 2f));
        output.Span.ToArray().ShouldAllBe(v => v == 2062f);
    }

    private sealed class ForeignMatrix : PackedMatrix
    {
        public override int K => 3;

        public override int N => 4;

        public override string Device => "elsewhere";
    }
}
