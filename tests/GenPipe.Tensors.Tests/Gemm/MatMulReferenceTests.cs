using GenPipe.Tensors.Backends;
using Xunit;
using static GenPipe.Tensors.Tests.Gemm.KernelTestSupport;

namespace GenPipe.Tensors.Tests.Gemm;

/// The CPU matrix product against PyTorch references (tools/fixtures/make_gemm_conv_refs.py), on one and two threads.
[Collection(KernelTestSupport.Collection)]
public sealed class MatMulReferenceTests
{
    public static TheoryData<int> Threads => new() { 1, 2 };

    [Theory]
    [MemberData(nameof(Threads))]
    public void Odd_sizes_row_major(int threads) => WithThreads(threads, () =>
    {
        var output = Tensor.Zeros(37, 53);
        Backend.MatMul(GemmRefs.Tensor("odd.a"), GemmRefs.Tensor("odd.b"), output, GemmEpilogue.None);
        ShouldMatch(output, GemmRefs.Floats("odd.out"), "odd");
    });

    [Theory]
    [MemberData(nameof(Threads))]
    public void Both_operands_transposed_through_strides(int threads) => WithThreads(threads, () =>
    {
        var output = Tensor.Zeros(37, 53);
        Backend.MatMul(GemmRefs.Tensor("trans.a_t").View.Transpose(0, 1), GemmRefs.Tensor("trans.b_t").View.Transpose(0, 1), output, GemmEpilogue.None);
        ShouldMatch(output, GemmRefs.Floats("trans.out"), "transposed");
    });

    [Theory]
    [MemberData(nameof(Threads))]
    public void Two_batch_axes(int threads) => WithThreads(threads, () =>
    {
        var output = Tensor.Zeros(2, 3, 19, 45);
        Backend.MatMul(GemmRefs.Tensor("batched.a"), GemmRefs.Tensor("batched.b"), output, GemmEpilogue.None);
        ShouldMatch(output, GemmRefs.Floats("batched.out"), "batched");
    });

    [Theory]
    [MemberData(nameof(Threads))]
    public void Rank_two_b_shared_by_every_batch(int threads) => WithThreads(threads, () =>
    {
        var output = Tensor.Zeros(3, 17, 70);
        Backend.MatMul(GemmRefs.Tensor("broadcast.a"), GemmRefs.Tensor("broadcast.b"), output, GemmEpilogue.None);
        ShouldMatch(output, GemmRefs.Floats("broadcast.out"), "broadcast b");
    });

    [Theory]
    [InlineData(Activation.None, "none", 1)]
    [InlineData(Activation.None, "none", 2)]
    [InlineData(Activation.Relu, "relu", 2)]
    [InlineData(Activation.Silu, "silu", 1)]
    [InlineData(Activation.Silu, "silu", 2)]
    [InlineData(Activation.Gelu, "gelu", 2)]
    [InlineData(Activation.GeluTanh, "gelu_tanh", 2)]
    [InlineData(Activation.QuickGelu, "quick_gelu", 2)]
    public void Alpha_bias_activation_and_residual_fused(Activation activation, string name, int threads) => WithThreads(threads, () =>
    {
        var output = Tensor.Zeros(37, 53);
        var epilogue = new GemmEpilogue(GemmRefs.Tensor("epilogue.bias"), activation, GemmRefs.Tensor("epilogue.residual"), alpha: 0.5f);
        Backend.MatMul(GemmRefs.Tensor("epilogue.a"), GemmRefs.Tensor("epilogue.b"), output, epilogue);
        ShouldMatch(output, GemmRefs.Floats($"epilogue.out_{name}"), $"epilogue {name}");
    });

    [Theory]
    [MemberData(nameof(Threads))]
    public void Linear_layer_with_a_packed_transposed_weight(int threads) => WithThreads(threads, () =>
    {
        var packed = Backend.PackMatrix(GemmRefs.Tensor("linear.weight").View.Transpose(0, 1));
        var output = Tensor.Zeros(2, 5, 80);
        Backend.MatMul(GemmRefs.Tensor("linear.x"), packed, output, new GemmEpilogue(GemmRefs.Tensor("linear.bias")));
        ShouldMatch(output, GemmRefs.Floats("linear.out"), "linear");
    });

    [Theory]
    [MemberData(nameof(Threads))]
    public void Several_depth_blocks_panels_and_row_tiles(int threads) => WithThreads(threads, () =>
    {
        var output = Tensor.Zeros(64, 200);
        Backend.MatMul(Pattern(1, 64, 1100), Pattern(2, 1100, 200), output, GemmEpilogue.None);
        ShouldMatch(output, GemmRefs.Floats("large.out"), "large");
        var packed = Tensor.Zeros(64, 200);
        Backend.MatMul(Pattern(1, 64, 1100), Backend.PackMatrix(Pattern(2, 1100, 200)), packed, GemmEpilogue.None);
        ShouldMatch(packed, GemmRefs.Floats("large.out"), "large, packed b");
    });

    internal static void WithThreads(int threads, Action body)
    {
        lock (ThreadsGate)
        {
            int before = Workers.Threads;
            Workers.Threads = threads;
            try
            {
                body();
            }
            finally
            {
                Workers.Threads = before;
            }
        }
    }
}
