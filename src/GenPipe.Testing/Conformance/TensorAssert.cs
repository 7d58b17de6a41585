using GenPipe.Tensors;
using Xunit;

namespace GenPipe.Testing;

/// <summary>Assertions on tensors that say where they differ and by how much.</summary>
public static class TensorAssert
{
    /// <summary>
    /// Fails unless <paramref name="actual"/> has the shape of <paramref name="expected"/> and every value lies within
    /// <paramref name="tolerance"/> of it, relative to the expected value's magnitude when that is above 1
    /// (|a - e| ≤ tolerance · max(1, |e|)). A tolerance of 0 asks for the same values; NaN equals nothing.
    /// </summary>
    /// <returns>The largest difference found, for the test to report.</returns>
    public static double Close(Tensor expected, Tensor actual, double tolerance, string what)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        Shape(expected.GetShape(), actual, what);
        float[] e = expected.View.ToArray();
        float[] a = actual.View.ToArray();
        double largest = 0;
        int worst = -1;
        int failures = 0;
        for (int i = 0; i < e.Length; i++)
        {
            double difference = Math.Abs((double)a[i] - e[i]);
            bool ok = difference <= tolerance * Math.Max(1, Math.Abs((double)e[i]));
            if (!ok)
            {
                failures++;
            }

            if (!ok && (worst < 0 || difference > largest || double.IsNaN(difference)))
            {
                worst = i;
            }

            if (!double.IsNaN(difference))
            {
                largest = Math.Max(largest, difference);
            }
        }

        if (failures > 0)
        {
            Assert.Fail(
                $"{what}: {failures} of {e.Length} values differ beyond tolerance {tolerance}; the worst at flat index {worst} " +
                $"is {a[worst]:R} where {e[worst]:R} was expected (largest difference {largest:R}).");
        }

        return largest;
    }

    /// <summary>Fails unless <paramref name="actual"/> has shape <paramref name="expected"/>.</summary>
    public static void Shape(IReadOnlyList<int> expected, Tensor actual, string what)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        if (!expected.SequenceEqual(actual.GetShape()))
        {
            Assert.Fail($"{what}: shape {Tensor.FormatShape(actual.Shape)}, expected {Tensor.FormatShape([.. expected])}.");
        }
    }

    /// <summary>Fails when a value of <paramref name="actual"/> is NaN or infinite (the engine stops a run at such an output).</summary>
    public static void Finite(Tensor actual, string what)
    {
        ArgumentNullException.ThrowIfNull(actual);
        float[] values = actual.View.ToArray();
        int bad = Array.FindIndex(values, v => !float.IsFinite(v));
        if (bad >= 0)
        {
            Assert.Fail($"{what}: value {values[bad]} at flat index {bad} is not finite.");
        }
    }
}
