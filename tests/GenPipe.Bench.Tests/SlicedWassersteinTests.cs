using GenPipe.Bench.SchedulerQuality;
using GenPipe.Tensors;
using Shouldly;
using Xunit;

namespace GenPipe.Bench.Tests;

public sealed class SlicedWassersteinTests
{
    [Fact]
    public void Identical_sets_are_at_distance_zero()
    {
        var a = new TorchGenerator(1).Randn(500, 2);

        SlicedWasserstein.Distance(a, a.Clone(), projections: 64).ShouldBe(0);
    }

    [Theory]
    [InlineData(3.0, 0.0)]
    [InlineData(1.5, -2.0)]
    [InlineData(0.0, 0.25)]
    public void A_shift_in_2d_is_its_length_over_root_two(double dx, double dy)
    {
        // Projected on theta every point moves by v . theta, so SW2^2 = mean over theta of (v . theta)^2 = |v|^2 / 2
        // (exact for evenly spaced angles over the half circle).
        var a = new TorchGenerator(2).Randn(400, 2);
        var b = Shift(a, dx, dy);

        double expected = Math.Sqrt(((dx * dx) + (dy * dy)) / 2);
        SlicedWasserstein.Distance(a, b, projections: 16).ShouldBe(expected, 1e-5);
    }

    [Fact]
    public void Two_isotropic_gaussians_match_the_closed_form()
    {
        // N(m1, s1^2 I) vs N(m2, s2^2 I): each projection is W2^2 = (dm . theta)^2 + (s1 - s2)^2, so
        // SW2^2 = |dm|^2 / 2 + (s1 - s2)^2 in 2-D. Both sets share their standard normal draws (a coupling), which
        // removes the sampling noise of two independent sets and leaves only that of one set's moments.
        var z = new TorchGenerator(3).Randn(20_000, 2);
        var a = Affine(z, 1.0, 0.5, -0.5);
        var b = Affine(z, 2.5, -1.0, 1.5);

        double expected = Math.Sqrt((((1.5 * 1.5) + (2.0 * 2.0)) / 2) + (1.5 * 1.5));
        SlicedWasserstein.Distance(a, b, projections: 64).ShouldBe(expected, expected * 0.01);
    }

    [Fact]
    public void In_one_dimension_it_is_the_wasserstein_distance_of_sorted_values()
    {
        var a = new Tensor([0f, 1f, 2f, 3f], 4, 1);
        var b = new Tensor([9f, 3f, 5f, 7f], 4, 1);

        // Sorted pairs (0,3) (1,5) (2,7) (3,9): differences 3, 4, 5, 6, mean square 86 / 4.
        SlicedWasserstein.Distance(a, b, projections: 8).ShouldBe(Math.Sqrt(86.0 / 4), 1e-9);
    }

    [Fact]
    public void A_shift_in_3d_averages_over_seeded_directions()
    {
        // Uniform directions on the sphere give E[(v . theta)^2] = |v|^2 / 3; 4000 seeded directions get within 3%.
        var a = new TorchGenerator(4).Randn(200, 3);
        var b = a.Clone();
        var s = b.Span;
        for (int i = 0; i < 200; i++)
        {
            s[(i * 3) + 2] += 2f;
        }

        double first = SlicedWasserstein.Distance(a, b, projections: 4000, seed: 5);
        first.ShouldBe(2 / Math.Sqrt(3), 0.03 * 2 / Math.Sqrt(3));
        SlicedWasserstein.Distance(a, b, projections: 4000, seed: 5).ShouldBe(first);
    }

    [Fact]
    public void Sets_of_different_shapes_are_rejected()
    {
        Should.Throw<ArgumentException>(() => SlicedWasserstein.Distance(Tensor.Zeros(3, 2), Tensor.Zeros(4, 2), 8));
    }

    private static Tensor Shift(Tensor points, double dx, double dy) => Affine(points, 1.0, dx, dy);

    private static Tensor Affine(Tensor points, double scale, double dx, double dy)
    {
        var result = points.Clone();
        var s = result.Span;
        for (int i = 0; i < s.Length; i += 2)
        {
            s[i] = (float)((scale * s[i]) + dx);
            s[i + 1] = (float)((scale * s[i + 1]) + dy);
        }

        return result;
    }
}
