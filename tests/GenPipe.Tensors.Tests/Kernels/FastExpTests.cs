using System.Runtime.Intrinsics;
using GenPipe.Tensors.Cpu.Kernels;
using Xunit;

namespace GenPipe.Tensors.Tests.Kernels;

/// <summary>The vector exponential against double-precision Math.Exp.</summary>
public sealed class FastExpTests
{
    [Fact]
    public void Is_within_a_few_ulps_over_the_normal_range()
    {
        double worst = 0;
        for (float x = -86.4f; x < 88.2f; x += 0.0137f)
        {
            float actual = FastExp.Exp(Vector512.Create(x))[0];
            double expected = Math.Exp(x);
            worst = Math.Max(worst, Math.Abs(actual - expected) / expected);
        }

        Assert.True(worst < 3e-7, $"worst relative error {worst:E2}");
    }

    [Fact]
    public void Handles_the_edges()
    {
        var v = FastExp.Exp(Vector512.Create(float.NegativeInfinity, -1000f, -90f, 0f, 90f, float.PositiveInfinity, float.NaN, 1f, 0, 0, 0, 0, 0, 0, 0, 0));
        Assert.Equal(0f, v[0]);
        Assert.Equal(0f, v[1]);
        Assert.Equal(0f, v[2]);
        Assert.Equal(1f, v[3]);
        Assert.Equal(float.PositiveInfinity, v[4]);
        Assert.Equal(float.PositiveInfinity, v[5]);
        Assert.True(float.IsNaN(v[6]));
        Assert.Equal(MathF.E, v[7], 6);
    }

    [Fact]
    public void Base_two_is_within_a_few_ulps_down_to_the_smallest_normal()
    {
        double worst = 0;
        for (float x = -125.9f; x <= 0f; x += 0.0071f)
        {
            float actual = FastExp.Exp2NonPositive(Vector256.Create(x))[0];
            double expected = Math.Pow(2, x);
            worst = Math.Max(worst, Math.Abs(actual - expected) / expected);
        }

        Assert.True(worst < 3e-7, $"worst relative error {worst:E2}");
    }

    [Fact]
    public void Base_two_flushes_below_the_normal_range_and_keeps_NaN()
    {
        var v = FastExp.Exp2NonPositive(Vector256.Create(float.NegativeInfinity, -1000f, -126.5f, 0f, -1f, float.NaN, -0.5f, -126f));
        Assert.Equal(0f, v[0]);
        Assert.Equal(0f, v[1]);
        Assert.Equal(0f, v[2]);
        Assert.Equal(1f, v[3]);
        Assert.Equal(0.5f, v[4]);
        Assert.True(float.IsNaN(v[5]));
        Assert.Equal(MathF.Sqrt(0.5f), v[6], 6);
        Assert.Equal(MathF.Pow(2, -126), v[7]);
    }
}
