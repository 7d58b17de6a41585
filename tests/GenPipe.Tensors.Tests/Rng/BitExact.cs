using Shouldly;

namespace GenPipe.Tensors.Tests.Rng;

internal static class BitExact
{
    /// <summary>Asserts float32 equality bit for bit, naming the first differing index.</summary>
    public static void ShouldEqualBits(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected, string what)
    {
        actual.Length.ShouldBe(expected.Length, what);
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(actual[i]) != BitConverter.SingleToInt32Bits(expected[i]))
            {
                throw new ShouldAssertException(
                    $"{what}: element {i} is {actual[i]:R} but torch gives {expected[i]:R} ({CountDifferences(actual, expected)} of {expected.Length} differ).");
            }
        }
    }

    private static int CountDifferences(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected)
    {
        int count = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            count += BitConverter.SingleToInt32Bits(actual[i]) != BitConverter.SingleToInt32Bits(expected[i]) ? 1 : 0;
        }

        return count;
    }
}
