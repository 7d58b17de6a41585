using GenPipe.Tensors;
using Shouldly;
using Xunit;

namespace GenPipe.Tensors.Tests;

public class TensorViewTests
{
    private static Tensor Iota(params int[] shape)
    {
        var t = Tensor.Zeros(shape);
        for (int i = 0; i < t.Length; i++)
        {
            t.Span[i] = i;
        }

        return t;
    }

    [Fact]
    public void Permute_shares_storage_and_reorders_elements_like_torch()
    {
        // torch.arange(24).reshape(2,3,4).permute(2,0,1)[3,1,2] == 1*12 + 2*4 + 3 = 23
        var t = Iota(2, 3, 4);
        var p = t.Permute(2, 0, 1);
        p.Shape.ToArray().ShouldBe([4, 2, 3]);
        p.Strides.ToArray().ShouldBe([1, 12, 4]);
        p[3, 1, 2].ShouldBe(23f);
        p.IsContiguous.ShouldBeFalse();
        p.Storage.ShouldBeSameAs(t.Storage);
        p.Contiguous().Span.ToArray()[..6].ShouldBe([0f, 4, 8, 12, 16, 20]);
    }

    [Fact]
    public void Slice_and_select_offset_into_the_same_storage()
    {
        var t = Iota(4, 5);
        var s = t.Slice(1, 2, 3);
        s.View.Offset.ShouldBe(2);
        s.View.ToArray().ShouldBe([2f, 3, 4, 7, 8, 9, 12, 13, 14, 17, 18, 19]);
        var row = t.View.Select(0, 2);
        row.Shape.ToArray().ShouldBe([5]);
        row.IsContiguous.ShouldBeTrue();
        row.Span.ToArray().ShouldBe([10f, 11, 12, 13, 14]);
    }

    [Fact]
    public void Reshape_of_a_non_contiguous_view_is_refused_with_the_fix()
    {
        var t = Iota(2, 3).Transpose(0, 1);
        var ex = Should.Throw<InvalidOperationException>(() => t.Reshape(6));
        ex.Message.ShouldContain("Contiguous()");
        Should.Throw<InvalidOperationException>(() => _ = t.Span);
        t.Contiguous().Reshape(6).Span.ToArray().ShouldBe([0f, 3, 1, 4, 2, 5]);
    }

    [Fact]
    public void Reshape_infers_one_dimension_and_checks_the_count()
    {
        Iota(2, 6).Reshape(3, -1).Shape.ToArray().ShouldBe([3, 4]);
        Should.Throw<ArgumentException>(() => Iota(2, 6).Reshape(5, -1));
    }

    [Fact]
    public void Broadcast_uses_zero_strides()
    {
        var bias = Iota(3);
        var b = bias.View.Unsqueeze(1).BroadcastTo(new Dims([2, 3, 4]));
        b.Strides.ToArray().ShouldBe([0, 1, 0]);
        b[1, 2, 3].ShouldBe(2f);
        Should.Throw<ArgumentException>(() => Iota(2).View.BroadcastTo(new Dims([3])));
    }

    [Fact]
    public void Strided_views_are_checked_against_the_storage()
    {
        var storage = new ArrayStorage(new float[10]);
        Should.Throw<ArgumentException>(() => TensorView.Strided(storage, 0, new Dims([3, 4]), new Dims([4, 1])));
        TensorView.Strided(storage, 0, new Dims([2, 5]), new Dims([5, 1])).IsContiguous.ShouldBeTrue();
    }

    [Fact]
    public void Pooled_tensors_reuse_their_buffer_after_dispose()
    {
        var pool = new TensorBufferPool();
        var first = pool.Rent(3, 100);
        float[] buffer = ((PooledStorage)first.Storage).Span.ToArray();
        first.Span.Fill(7f);
        var storage = first.Storage;
        first.Dispose();
        Should.Throw<ObjectDisposedException>(() => _ = storage.Span);
        using var second = pool.Rent(5, 60); // 300 elements: the same 512-element size class
        second.Span.ToArray().ShouldAllBe(v => v == 0f); // rented zeroed
        buffer.Length.ShouldBe(300);
    }
}
