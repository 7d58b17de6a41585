using GenPipe.Tensors.Cpu;
using GenPipe.Tensors.Threading;
using Xunit;

namespace GenPipe.Tensors.Tests.Kernels;

/// <summary>Blocked attention against PyTorch's softmax(q kᵀ · scale + mask) v in float64.</summary>
public sealed class AttentionTests
{
    private static readonly CpuBackend Backend = new(new CpuWorkers(2));

    [Theory]
    [InlineData("d40")]
    [InlineData("d64_causal")]
    [InlineData("d64_square_causal")]
    [InlineData("decode")]
    [InlineData("decode_full")]
    [InlineData("d7")]
    [InlineData("d80_long")]
    [InlineData("few_causal")]
    public void Matches_torch(string name)
    {
        var refs = KernelRefs.Load("attention");
        var q = refs.Tensor(name + ".q");
        float[] meta = refs.Floats(name + ".meta");
        var output = Tensor.Zeros(q.GetShape());
        Backend.Attention(q, refs.Tensor(name + ".k"), refs.Tensor(name + ".v"), output, meta[0], meta[1] != 0f);
        KernelRefs.ShouldMatch(output.Span, refs.Floats(name + ".o"), 1e-5f, name);
    }

    [Fact]
    public void Reads_heads_split_from_a_fused_projection_and_writes_a_strided_output()
    {
        var refs = KernelRefs.Load("attention");
        var qkv = refs.Tensor("fused.qkv"); // [1, 45, 3 * 2 * 40]
        const int H = 2, D = 40;
        TensorView Heads(int i) => qkv.View.Slice(2, i * H * D, H * D).Reshape4(1, 45, H, D).Permute(0, 2, 1, 3);

        // Output written as [B, L, H, D] through a permuted view, as a model would before the out projection.
        var merged = Tensor.Zeros(1, 45, H, D);
        var output = merged.View.Permute(0, 2, 1, 3);
        Backend.Attention(Heads(0), Heads(1), Heads(2), output, 1f / MathF.Sqrt(D), causal: false);
        KernelRefs.ShouldMatch(output.ToArray(), refs.Floats("fused.o"), 1e-5f);
    }

    [Fact]
    public void A_NaN_query_gives_NaN_in_its_own_row_only()
    {
        // 9 queries (one partial task) over 260 keys: two full blocks of 128 and a partial one.
        var refs = KernelRefs.Load("attention");
        var q = refs.Tensor("d80_long.q");
        var k = refs.Tensor("d80_long.k");
        var clean = Tensor.Zeros(q.GetShape());
        Backend.Attention(q, k, refs.Tensor("d80_long.v"), clean, 0.1f, causal: false);
        q.Span[3 * q.GetShape()[3]] = float.NaN;
        var output = Tensor.Zeros(q.GetShape());
        Backend.Attention(q, k, refs.Tensor("d80_long.v"), output, 0.1f, causal: false);

        int d = q.GetShape()[3];
        Assert.All(output.Span.Slice(3 * d, d).ToArray(), x => Assert.True(float.IsNaN(x)));
        output.Span.Slice(3 * d, d).Clear();
        clean.Span.Slice(3 * d, d).Clear();
        Assert.Equal(clean.Span.ToArray(), output.Span.ToArray());
    }

    [Fact]
    public void Mismatched_shapes_name_them()
    {
        var q = Tensor.Zeros(1, 2, 5, 8);
        var k = Tensor.Zeros(1, 2, 6, 4);
        var ex = Assert.Throws<ArgumentException>(() => Backend.Attention(q, k, k, Tensor.Zeros(1, 2, 5, 8), 1f, false));
        Assert.Contains("[1, 2, 6, 4]", ex.Message, StringComparison.Ordinal);
    }
}

internal static class ViewReshape
{
    /// <summary>Splits the last axis of a rank-3 view with unit last stride into [heads, size] without copying.</summary>
    public static TensorView Reshape4(this TensorView view, int b, int l, int h, int d) =>
        TensorView.Strided(view.Storage, view.Offset, new Dims([b, l, h, d]), new Dims([view.Stride(0), view.Stride(1), d, 1]));
}
