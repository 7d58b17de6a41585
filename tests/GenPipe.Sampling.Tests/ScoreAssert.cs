using GenPipe.Tensors;
using Shouldly;

namespace GenPipe.Sampling.Tests;

/// <summary>Compares processed scores with a reference: masked entries exactly, the rest to float32 rounding.</summary>
public static class ScoreAssert
{
    /// <summary>
    /// Relative tolerance. Every processor is a handful of float32 operations on each entry, so a correct result differs
    /// from PyTorch's by at most a few units in the last place; a wrong formula differs by far more.
    /// </summary>
    public const float RelativeTolerance = 1e-6f;

    /// <summary>Checks <paramref name="actual"/> ([batch, vocab]) against <paramref name="expected"/>.</summary>
    public static void Matches(Tensor actual, float[][] expected, string what)
    {
        ArgumentNullException.ThrowIfNull(actual);
        ArgumentNullException.ThrowIfNull(expected);
        actual.GetShape().ShouldBe([expected.Length, expected[0].Length], what);
        ReadOnlySpan<float> values = actual.Span;
        int vocab = expected[0].Length;
        for (int r = 0; r < expected.Length; r++)
        {
            for (int i = 0; i < vocab; i++)
            {
                float want = expected[r][i];
                float got = values[(r * vocab) + i];
                if (float.IsInfinity(want) || float.IsNaN(want))
                {
                    got.ShouldBe(want, $"{what}: [{r}, {i}] must be {want}");
                }
                else
                {
                    float.IsFinite(got).ShouldBeTrue($"{what}: [{r}, {i}] is {got}, expected {want}");
                    Math.Abs(got - want).ShouldBeLessThanOrEqualTo(RelativeTolerance * Math.Max(1f, Math.Abs(want)), $"{what}: [{r}, {i}]");
                }
            }
        }
    }

    /// <summary>A [batch, vocab] tensor from nested rows.</summary>
    public static Tensor ToTensor(float[][] rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return new Tensor([.. rows.SelectMany(r => r)], rows.Length, rows[0].Length);
    }
}
