using GenPipe.Diffusion.Tests.Refs;
using Shouldly;
using Xunit;

namespace GenPipe.Diffusion.Tests;

public sealed class TrainingNoiseScheduleTests
{
    [Fact]
    public void ScaledLinearReproducesDiffusersFloat32Exactly()
    {
        float[] expected = ReferenceData.StableDiffusionAlphasCumprod;
        float[] actual = TrainingNoiseSchedule.AlphasCumprod(1000, 0.00085, 0.012, "scaled_linear");

        actual.Length.ShouldBe(1000);
        for (int i = 0; i < expected.Length; i++)
        {
            // The same float32 operations in the same order: bit-identical, not merely close.
            actual[i].ShouldBe(expected[i], $"alphas_cumprod[{i}]");
        }
    }

    [Fact]
    public void LinearMatchesTheDoublePrecisionProductToFloatAccuracy()
    {
        float[] actual = TrainingNoiseSchedule.AlphasCumprod(1000, 0.0001, 0.02, "linear");

        double product = 1;
        for (int i = 0; i < 1000; i++)
        {
            double beta = 0.0001 + ((0.02 - 0.0001) * i / 999.0);
            product *= 1 - beta;
            // 1000 float32 roundings of a product accumulate to a few 1e-5 relative at most.
            Math.Abs(actual[i] - product).ShouldBeLessThan(5e-5 * product, $"alphas_cumprod[{i}]");
        }

        actual[0].ShouldBe(1f - 0.0001f);
        actual[999].ShouldBe(4.0358e-5f, 1e-7f); // DDPM's linear schedule ends at abar ~ 4.04e-5
    }

    [Fact]
    public void UnknownScheduleNamesTheAcceptedOnes()
    {
        var error = Should.Throw<ArgumentException>(() => TrainingNoiseSchedule.AlphasCumprod(1000, 0.00085, 0.012, "cosine"));
        error.Message.ShouldContain("'cosine'");
        error.Message.ShouldContain("linear, scaled_linear");
    }
}
