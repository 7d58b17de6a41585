using Shouldly;
using Xunit;

namespace GenPipe.Tensors.Tests;

/// <summary>The shared greedy choice and inverse-CDF draw.</summary>
public sealed class CategoricalDrawTests
{
    [Fact]
    public void ArgMax_takes_the_first_of_the_largest_and_the_first_NaN()
    {
        CategoricalDraw.ArgMax([0.5f, 2f, -1f, 2f]).ShouldBe(1);
        CategoricalDraw.ArgMax([0.5f, float.NaN, 3f, float.NaN]).ShouldBe(1);
        CategoricalDraw.ArgMax([float.NaN, 3f, float.NaN]).ShouldBe(0);
        CategoricalDraw.ArgMax([float.NegativeInfinity, float.NegativeInfinity]).ShouldBe(0);
    }

    [Theory]
    [InlineData(0.0, 1)]
    [InlineData(0.66, 1)]     // cumulative 2 of a total 3 ends token 1 at u = 2/3
    [InlineData(0.67, 3)]
    [InlineData(0.999999, 3)]
    public void InverseCdf_skips_non_positive_weights_and_needs_no_normalization(double uniform, int expected) =>
        CategoricalDraw.InverseCdf([0f, 2f, 0f, 1f, -1f], uniform).ShouldBe(expected);

    [Fact]
    public void InverseCdf_refuses_a_row_without_positive_weight() =>
        Should.Throw<InvalidOperationException>(() => CategoricalDraw.InverseCdf([0f, -1f], 0.5));
}
