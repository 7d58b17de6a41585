using GenPipe.Tensors.Cpu;
using GenPipe.Tensors.Threading;
using Shouldly;
using Xunit;

namespace GenPipe.Tensors.Tests.Kernels;

/// <summary>Copy, UpsampleNearest, Concat and embeddings against index formulas.</summary>
public sealed class LayoutTests
{
    private static readonly CpuBackend Backend = new(new CpuWorkers(2));

    [Fact]
    public void Copy_makes_permuted_and_sliced_views_contiguous()
    {
        var source = ElementwiseTests.Ramp(2, 40, 3, 64); // [B, L, H, D]
        var permuted = source.View.Permute(0, 2, 1, 3).Slice(3, 5, 50); // [B, H, L, 50], strided
        var destination = Tensor.Zeros(2, 3, 40, 50);
        Backend.Copy(permuted, destination);
        for (int b = 0; b < 2; b++)
        {
            for (int h = 0; h < 3; h++)
            {
                for (int l = 0; l < 40; l += 7)
                {
                    for (int d = 0; d < 50; d += 3)
                    {
                        destination[b, h, l, d].ShouldBe(source[b, l, h, d + 5]);
                    }
                }
            }
        }

        var transposed = ElementwiseTests.Ramp(300, 301).View.Transpose(0, 1); // gathers with no unit stride, in parallel
        var dense = Tensor.Zeros(301, 300);
        Backend.Copy(transposed, dense);
        dense.Span.ToArray().ShouldBe(transposed.ToArray());
    }

    [Fact]
    public void Upsample_repeats_each_pixel()
    {
        var input = ElementwiseTests.Ramp(2, 3, 5, 7);
        var output = Tensor.Zeros(2, 3, 10, 21);
        Backend.UpsampleNearest(input, output);
        for (int n = 0; n < 2; n++)
        {
            for (int c = 0; c < 3; c++)
            {
                for (int y = 0; y < 10; y++)
                {
                    for (int x = 0; x < 21; x++)
                    {
                        output[n, c, y, x].ShouldBe(input[n, c, y / 2, x / 3]);
                    }
                }
            }
        }

        Should.Throw<ArgumentException>(() => Backend.UpsampleNearest(input, Tensor.Zeros(2, 4, 10, 14))).Message.ShouldContain("[2, 3, H, W]");
    }

    // Source indices PyTorch 1.13 chose for F.interpolate(x, size=out, mode="nearest") along one axis (printed by
    // torch for x = arange(in)): odd UNet skip sizes (9 -> 17, 33 -> 65), an uneven factor and a shrink.
    [Theory]
    [InlineData(9, 17, new[] { 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8 })]
    [InlineData(5, 13, new[] { 0, 0, 0, 1, 1, 1, 2, 2, 3, 3, 3, 4, 4 })]
    [InlineData(10, 4, new[] { 0, 2, 5, 7 })]
    [InlineData(7, 7, new[] { 0, 1, 2, 3, 4, 5, 6 })]
    public void Upsample_to_any_size_picks_pytorchs_source_pixels(int size, int resized, int[] torchSources)
    {
        var input = ElementwiseTests.Ramp(2, 3, size, size);
        var output = Tensor.Zeros(2, 3, resized, resized);
        Backend.UpsampleNearest(input, output);
        for (int n = 0; n < 2; n++)
        {
            for (int c = 0; c < 3; c++)
            {
                for (int y = 0; y < resized; y++)
                {
                    for (int x = 0; x < resized; x++)
                    {
                        output[n, c, y, x].ShouldBe(input[n, c, torchSources[y], torchSources[x]]);
                    }
                }
            }
        }
    }

    [Fact]
    public void Concat_along_channels_and_last_axis_with_strided_inputs()
    {
        var a = ElementwiseTests.Ramp(2, 3, 4, 5);
        var b = ElementwiseTests.Ramp(2, 5, 4, 2).View.Permute(0, 3, 2, 1); // [2, 2, 4, 5], strided
        var output = Tensor.Zeros(2, 5, 4, 5);
        Backend.Concat([a.View, b], 1, output);
        for (int n = 0; n < 2; n++)
        {
            for (int c = 0; c < 5; c++)
            {
                for (int y = 0; y < 4; y++)
                {
                    for (int x = 0; x < 5; x++)
                    {
                        output[n, c, y, x].ShouldBe(c < 3 ? a[n, c, y, x] : b[n, c - 3, y, x]);
                    }
                }
            }
        }

        var last = Tensor.Zeros(2, 3, 4, 7);
        Backend.Concat([a.View, b.Slice(1, 0, 1).Permute(0, 1, 2, 3).BroadcastTo(new Dims([2, 3, 4, 5])).Slice(3, 0, 2)], -1, last);
        last[1, 2, 3, 6].ShouldBe(b[1, 0, 3, 1]);
        last[1, 2, 3, 4].ShouldBe(a[1, 2, 3, 4]);
        Should.Throw<ArgumentException>(() => Backend.Concat([a.View, a.View], 1, output)).Message.ShouldContain("6");
    }

    [Fact]
    public void Embedding_copies_rows_and_rejects_unknown_ids()
    {
        var table = ElementwiseTests.Ramp(10, 6);
        var output = Tensor.Zeros(3, 6);
        Backend.Embedding(table, [9, 0, 4], output);
        output.View.Select(0, 0).ToArray().ShouldBe(table.View.Select(0, 9).ToArray());
        output.View.Select(0, 2).ToArray().ShouldBe(table.View.Select(0, 4).ToArray());
        var ex = Should.Throw<ArgumentOutOfRangeException>(() => Backend.Embedding(table, [1, 10, 2], output));
        ex.Message.ShouldContain("id 10");
        ex.Message.ShouldContain("10 rows");
    }

    [Theory]
    [InlineData("d320_flip_shift1", 320, true, 1f, 1f, 10000f)]
    [InlineData("d320_noflip_shift0", 320, false, 0f, 1f, 10000f)]
    [InlineData("d33_flip_shift0", 33, true, 0f, 1f, 10000f)]
    [InlineData("d33_noflip_shift1", 33, false, 1f, 1f, 10000f)]
    [InlineData("d16_scale2_period100", 16, false, 1f, 2f, 100f)]
    public void Timestep_embedding_matches_diffusers_formula(string name, int dim, bool flip, float shift, float scale, float period)
    {
        var refs = KernelRefs.Load("timesteps");
        float[] t = refs.Floats("t");
        var output = Tensor.Zeros(t.Length, dim);
        Backend.TimestepEmbedding(t, output, flip, shift, scale, period);

        // sin(999 * f) moves by 6e-5 per float step of its argument, so a last-bit difference in exp() shows there.
        KernelRefs.ShouldMatch(output.Span, refs.Floats(name), 1e-4f, name);
        if (dim % 2 == 1)
        {
            output[3, dim - 1].ShouldBe(0f);
        }
    }
}
