using GenPipe.Tensors.Backends;
using Shouldly;
using GenPipe.Tensors.Tests.Gemm;
using Xunit;
using static GenPipe.Tensors.Tests.Gemm.KernelTestSupport;

namespace GenPipe.Tensors.Tests.Conv;

/// The CPU convolution against PyTorch's conv2d (tools/fixtures/make_gemm_conv_refs.py), bias and residual fused.
[Collection(KernelTestSupport.Collection)]
public sealed class Conv2dReferenceTests
{
    public static TheoryData<string, int, int, int, int, int> Cases => new()
    {
        // name, kernel, stride, padding, groups, dilation
        { "s1p1", 3, 1, 1, 1, 1 },
        { "s2p1", 3, 2, 1, 1, 1 },
        { "s2p0", 3, 2, 0, 1, 1 },
        { "s2p1_wide", 3, 2, 1, 1, 1 },
        { "pointwise", 1, 1, 0, 1, 1 },
        { "pointwise_s2", 1, 2, 0, 1, 1 },
        { "groups2", 3, 1, 0, 2, 1 },
        { "depthwise", 3, 1, 1, 6, 1 },
        { "depthwise_s2", 3, 2, 1, 4, 1 },
        { "dilated", 3, 1, 2, 1, 2 },
        { "wide", 3, 1, 1, 1, 1 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_pytorch_with_bias_and_residual(string name, int kernel, int stride, int padding, int groups, int dilation)
    {
        foreach (int threads in new[] { 1, 2 })
        {
            Gemm.MatMulReferenceTests.WithThreads(threads, () =>
            {
                var geometry = new Conv2dGeometry(stride, stride, padding, padding, groups, dilation, dilation);
                var weight = ConvRefs.Tensor($"{name}.weight");
                weight.Dim(2).ShouldBe(kernel);
                var output = Tensor.Zeros(ConvRefs.Shape($"{name}.out"));
                var epilogue = new GemmEpilogue(ConvRefs.Tensor($"{name}.bias"), residual: ConvRefs.Tensor($"{name}.residual"));
                Backend.Conv2d(ConvRefs.Tensor($"{name}.x"), Backend.PackConv2d(weight, geometry), output, epilogue);
                ShouldMatch(output, ConvRefs.Floats($"{name}.out"), $"{name} on {threads} threads");
            });
        }
    }

    [Fact]
    public void Fuses_silu_between_bias_and_residual()
    {
        var output = Tensor.Zeros(ConvRefs.Shape("silu.out"));
        var epilogue = new GemmEpilogue(ConvRefs.Tensor("silu.bias"), Activation.Silu, ConvRefs.Tensor("silu.residual"));
        Backend.Conv2d(ConvRefs.Tensor("silu.x"), Backend.PackConv2d(ConvRefs.Tensor("silu.weight"), Conv2dGeometry.Square(1, 1)), output, epilogue);
        ShouldMatch(output, ConvRefs.Floats("silu.out"), "silu");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Several_depth_blocks_and_panels_batch_two(int threads) => Gemm.MatMulReferenceTests.WithThreads(threads, () =>
    {
        var weight = Pattern(4, 16, 320, 3, 3);
        var values = weight.Span;
        for (int i = 0; i < values.Length; i++)
        {
            values[i] /= 16;
        }
        var output = Tensor.Zeros(2, 16, 8, 70);
        Backend.Conv2d(Pattern(3, 2, 320, 8, 70), Backend.PackConv2d(weight, Conv2dGeometry.Square(1, 1)), output, GemmEpilogue.None);
        ShouldMatch(output, ConvRefs.Floats("large.out"), "large");
    });
}
