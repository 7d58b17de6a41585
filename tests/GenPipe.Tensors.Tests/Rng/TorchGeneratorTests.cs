using Shouldly;
using Xunit;

namespace GenPipe.Tensors.Tests.Rng;

/// <summary>Closed-form properties of the generator: the engine, seeding and the shape of the streams.</summary>
public sealed class TorchGeneratorTests
{
    [Fact]
    public void EngineIsTheStandardMersenneTwister()
    {
        // The C++ standard fixes this value: the 10000th output of mt19937 seeded with its default 5489.
        var generator = new TorchGenerator(5489);
        uint last = 0;
        for (int i = 0; i < 10000; i++)
        {
            last = generator.NextUInt32();
        }

        last.ShouldBe(4123659995u);
    }

    [Fact]
    public void OnlyTheLow32BitsOfTheSeedMatter()
    {
        var a = new TorchGenerator(5).Randn(40);
        var b = new TorchGenerator(5 + (1L << 32)).Randn(40);
        var c = new TorchGenerator(6).Randn(40);

        a.Span.SequenceEqual(b.Span).ShouldBeTrue();
        a.Span.SequenceEqual(c.Span).ShouldBeFalse();
    }

    [Fact]
    public void NextDoubleAndNextSingleTakeTheirBitsFromTheEngine()
    {
        var raw = new TorchGenerator(3);
        ulong high = raw.NextUInt32();
        ulong low = raw.NextUInt32();
        uint single = raw.NextUInt32();

        var generator = new TorchGenerator(3);
        generator.NextDouble().ShouldBe((((high << 32) | low) & ((1UL << 53) - 1)) / 9007199254740992.0);
        generator.NextSingle().ShouldBe((single & 0xFFFFFF) / 16777216f);
    }

    [Fact]
    public void SmallDrawsUseTheCachedSecondNormal()
    {
        // Three scalar draws: two from one Box-Muller pair, the cached sine half, then a fresh pair.
        var expected = new TorchGenerator(11);
        double first = expected.NextNormalDouble();
        double second = expected.NextNormalDouble();
        double third = expected.NextNormalDouble();

        var split = new TorchGenerator(11);
        float[] one = split.Randn(1).Span.ToArray();
        float[] two = split.Randn(2).Span.ToArray();

        one.ShouldBe([(float)first]);
        two.ShouldBe([(float)second, (float)third]);
    }

    [Fact]
    public void LargeDrawsLeaveTheNormalCacheAlone()
    {
        var plain = new TorchGenerator(21);
        plain.Randn(1);
        double cached = plain.NextNormalDouble();

        var interleaved = new TorchGenerator(21);
        interleaved.Randn(1);
        interleaved.Randn(64);
        interleaved.NextNormalDouble().ShouldBe(cached);
    }

    [Fact]
    public void VectorisedDrawsConsumeOneEngineWordPerValuePlusSixteenForARaggedTail()
    {
        AssertConsumes(16, 16);
        AssertConsumes(32, 32);
        AssertConsumes(17, 17 + 16);
        AssertConsumes(1000, 1000 + 16);
    }

    [Fact]
    public void NormalsHaveTheMomentsOfAStandardNormal()
    {
        var values = new TorchGenerator(12345).Randn(200_000).Span.ToArray();
        double mean = values.Average(v => (double)v);
        double variance = values.Average(v => ((double)v - mean) * ((double)v - mean));

        mean.ShouldBe(0, 0.01);
        variance.ShouldBe(1, 0.01);
        values.ShouldAllBe(v => float.IsFinite(v));
    }

    [Fact]
    public void EmptyShapesDrawNothing()
    {
        var generator = new TorchGenerator(1);
        generator.Randn(0, 4).Length.ShouldBe(0);
        generator.NextUInt32().ShouldBe(new TorchGenerator(1).NextUInt32());
    }

    [Fact]
    public void KernelsShareTheStreamAndDifferOnlyInTheLastBits()
    {
        var avx2 = new TorchGenerator(4, TorchNormalKernel.Avx2);
        var portable = new TorchGenerator(4, TorchNormalKernel.Portable);
        portable.Kernel.ShouldBe(TorchNormalKernel.Portable);

        float[] a = avx2.Randn(4096).Span.ToArray();
        float[] b = portable.Randn(4096).Span.ToArray();

        int differing = a.Zip(b).Count(p => p.First != p.Second);
        differing.ShouldBeInRange(1, 4096 / 2);
        a.Zip(b).Max(p => Math.Abs(p.First - p.Second)).ShouldBeLessThan(1e-5f);
        avx2.NextUInt32().ShouldBe(portable.NextUInt32());
        Should.Throw<ArgumentOutOfRangeException>(() => new TorchGenerator(1, (TorchNormalKernel)7));
    }

    private static void AssertConsumes(int count, int words)
    {
        var generator = new TorchGenerator(8);
        generator.Randn(count);
        var reference = new TorchGenerator(8);
        for (int i = 0; i < words; i++)
        {
            reference.NextUInt32();
        }

        generator.NextUInt32().ShouldBe(reference.NextUInt32(), $"randn({count})");
    }
}
