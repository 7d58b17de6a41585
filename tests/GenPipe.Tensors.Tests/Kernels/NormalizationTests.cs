using GenPipe.Tensors.Backends;
using GenPipe.Tensors.Cpu;
using GenPipe.Tensors.Threading;
using Shouldly;
using Xunit;

namespace GenPipe.Tensors.Tests.Kernels;

/// <summary>GroupNorm (fused SiLU), LayerNorm and Softmax against PyTorch in float64.</summary>
public sealed class NormalizationTests
{
    private static readonly CpuBackend Backend = new(new CpuWorkers(2));

    [Theory]
    [InlineData("a", 32)]
    [InlineData("b", 32)]
    [InlineData("offset", 32)]
    [InlineData("c3", 3)]
    public void GroupNorm_matches_torch_with_and_without_silu(string name, int groups)
    {
        var refs = KernelRefs.Load("group_norm");
        var x = refs.Tensor(name + ".x");
        var gamma = refs.Tensor(name + ".gamma");
        var beta = refs.Tensor(name + ".beta");
        var y = Tensor.Zeros(x.GetShape());
        Backend.GroupNorm(x, groups, gamma, beta, 1e-5f, y);
        KernelRefs.ShouldMatch(y.Span, refs.Floats(name + ".y"), 1e-5f, name);
        Backend.GroupNorm(x, groups, gamma, beta, 1e-5f, y, Activation.Silu);
        KernelRefs.ShouldMatch(y.Span, refs.Floats(name + ".y_silu"), 1e-5f, name + " silu");

        // In place works too (the output may be the input for the pass that normalizes).
        Backend.GroupNorm(x, groups, gamma, beta, 1e-5f, x, Activation.Silu);
        KernelRefs.ShouldMatch(x.Span, refs.Floats(name + ".y_silu"), 1e-5f, name + " in place");
    }

    [Fact]
    public void GroupNorm_reads_a_channel_sliced_input()
    {
        var refs = KernelRefs.Load("group_norm");
        var x = refs.Tensor("a.x"); // [2, 64, 5, 7]
        var wide = Tensor.Zeros(2, 80, 5, 7);
        Backend.Concat([x.View, Tensor.Zeros(2, 16, 5, 7).View], 1, wide);
        var y = Tensor.Zeros(2, 64, 5, 7);
        Backend.GroupNorm(wide.View.Slice(1, 0, 64), 32, refs.Tensor("a.gamma"), refs.Tensor("a.beta"), 1e-5f, y, Activation.Silu);
        KernelRefs.ShouldMatch(y.Span, refs.Floats("a.y_silu"), 1e-5f);
    }

    [Fact]
    public void GroupNorm_rejects_channels_that_do_not_split()
    {
        var x = Tensor.Zeros(1, 30, 2, 2);
        Should.Throw<ArgumentException>(() => Backend.GroupNorm(x, 32, Tensor.Zeros(30), Tensor.Zeros(30), 1e-5f, Tensor.Zeros(1, 30, 2, 2)))
            .Message.ShouldContain("32 groups");
        Should.Throw<ArgumentException>(() => Backend.GroupNorm(x, 3, Tensor.Zeros(10), Tensor.Zeros(30), 1e-5f, Tensor.Zeros(1, 30, 2, 2)))
            .Message.ShouldContain("[10]");
    }

    [Theory]
    [InlineData("a")]
    [InlineData("b")]
    [InlineData("tiny")]
    public void LayerNorm_matches_torch_with_and_without_beta(string name)
    {
        var refs = KernelRefs.Load("layer_norm");
        var x = refs.Tensor(name + ".x");
        var y = Tensor.Zeros(x.GetShape());
        Backend.LayerNorm(x, refs.Tensor(name + ".gamma"), refs.Tensor(name + ".beta"), 1e-5f, y);
        KernelRefs.ShouldMatch(y.Span, refs.Floats(name + ".y"), 1e-5f, name);
        Backend.LayerNorm(x, refs.Tensor(name + ".gamma"), default, 1e-5f, y);
        KernelRefs.ShouldMatch(y.Span, refs.Floats(name + ".y_nobeta"), 1e-5f, name + " no beta");
    }

    [Theory]
    [InlineData("a")]
    [InlineData("b")]
    [InlineData("wide")]
    [InlineData("one")]
    public void Softmax_matches_torch_in_place(string name)
    {
        var refs = KernelRefs.Load("softmax");
        var x = refs.Tensor(name + ".x");
        var y = Tensor.Zeros(x.GetShape());
        Backend.Softmax(x, y);
        KernelRefs.ShouldMatch(y.Span, refs.Floats(name + ".y"), 1e-6f, name);
        Backend.Softmax(x, x);
        KernelRefs.ShouldMatch(x.Span, refs.Floats(name + ".y"), 1e-6f, name + " in place");
    }

    [Fact]
    public void Softmax_reads_strided_rows()
    {
        var refs = KernelRefs.Load("softmax");
        var x = refs.Tensor("b.x"); // [3, 7, 17]
        var padded = Tensor.Zeros(3, 7, 20);
        Backend.Copy(x, padded.View.Slice(2, 0, 17));
        var y = Tensor.Zeros(3, 7, 17);
        Backend.Softmax(padded.View.Slice(2, 0, 17), y);
        KernelRefs.ShouldMatch(y.Span, refs.Floats("b.y"), 1e-6f);
    }
}
