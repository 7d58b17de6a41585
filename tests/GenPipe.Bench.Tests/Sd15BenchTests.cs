using GenPipe.Bench.Sd15;
using GenPipe.Tensors;
using GenPipe.Tensors.Backends;
using GenPipe.Tensors.SafeTensors;
using NSubstitute;
using Shouldly;
using Xunit;

namespace GenPipe.Bench.Tests;

public sealed class Sd15BenchTests
{
    [Fact]
    public void The_profiling_backend_forwards_each_product_once_and_counts_its_flops()
    {
        var inner = Substitute.For<ITensorBackend>();
        var profiler = new ProfilingBackend(inner);
        var packed = Substitute.For<PackedMatrix>();
        packed.K.Returns(320);
        packed.N.Returns(1280);
        var tokens = Tensor.Zeros(2, 4096, 320);
        var projected = Tensor.Zeros(2, 4096, 1280);

        profiler.MatMul(tokens, packed, projected, default);
        profiler.MatMul(tokens, packed, projected, default);

        inner.Received(2).MatMul(Arg.Any<TensorView>(), packed, Arg.Any<TensorView>(), Arg.Any<GemmEpilogue>());
        var line = profiler.Lines.ShouldHaveSingleItem();
        line.Kind.ShouldBe("linear");
        line.Calls.ShouldBe(2);
        line.Flops.ShouldBe(2 * (2.0 * 8192 * 320 * 1280));
    }

    [Fact]
    public void Convolution_and_attention_flops_follow_their_closed_forms()
    {
        var inner = Substitute.For<ITensorBackend>();
        var profiler = new ProfilingBackend(inner);
        var weight = Substitute.For<PackedConv2d>();
        weight.InChannels.Returns(320);
        weight.OutChannels.Returns(640);
        weight.KernelH.Returns(3);
        weight.KernelW.Returns(3);
        weight.Geometry.Returns(Conv2dGeometry.Square(stride: 1, padding: 1));

        profiler.Conv2d(Tensor.Zeros(2, 320, 8, 8), weight, Tensor.Zeros(2, 640, 8, 8), default);
        var q = Tensor.Zeros(2, 8, 64, 40);
        var kv = Tensor.Zeros(2, 8, 77, 40);
        profiler.Attention(q, kv, kv, q, 0.5f, causal: false);

        inner.Received(1).Conv2d(Arg.Any<TensorView>(), weight, Arg.Any<TensorView>(), Arg.Any<GemmEpilogue>());
        inner.Received(1).Attention(Arg.Any<TensorView>(), Arg.Any<TensorView>(), Arg.Any<TensorView>(), Arg.Any<TensorView>(), 0.5f, false);
        var lines = profiler.Lines.ToDictionary(l => l.Kind);
        lines["conv3x3"].Flops.ShouldBe(2.0 * (2 * 640 * 8 * 8) * 320 * 9);
        lines["attention (cross)"].Flops.ShouldBe(4.0 * 2 * 8 * 64 * 77 * 40);
    }

    [Fact]
    public void An_inputs_file_without_an_input_is_refused_naming_the_file_and_the_tensor()
    {
        string path = Path.Combine(Path.GetTempPath(), $"sd15-inputs-{Guid.NewGuid():N}.safetensors");
        try
        {
            new SafeTensorsWriter().Add("sample", Tensor.Zeros(2, 4, 8, 8)).Save(path);

            var error = Should.Throw<InvalidDataException>(() => SdInputs.Read(SdComponent.Unet, path));

            error.Message.ShouldContain(path);
            error.Message.ShouldContain("'timestep'");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("--threads", "0", "--threads 0")]
    [InlineData("--component", "text", "'text'")]
    [InlineData("--frobnicate", "1", "--frobnicate")]
    public void Bad_options_are_refused_by_name(string option, string value, string named)
    {
        var error = Should.Throw<ArgumentException>(() => BenchOptions.Parse(["measure", option, value]));

        error.Message.ShouldContain(named);
    }
}
