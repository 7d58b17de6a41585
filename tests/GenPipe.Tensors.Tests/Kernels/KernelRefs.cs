using GenPipe.Testing;
using Shouldly;

namespace GenPipe.Tensors.Tests.Kernels;

/// <summary>Loads the PyTorch kernel fixtures (tools/fixtures/make_kernel_refs.py) and compares against them.</summary>
internal static class KernelRefs
{
    private static readonly Dictionary<string, FixtureFile> Cache = new(StringComparer.Ordinal);

    public static FixtureFile Load(string name)
    {
        lock (Cache)
        {
            if (!Cache.TryGetValue(name, out var file))
            {
                file = FixtureFile.Load(Path.Combine(AppContext.BaseDirectory, "Refs", "kernels", name + ".safetensors.gz"));
                Cache[name] = file;
            }

            return file;
        }
    }

    /// <summary>
    /// Asserts that every element is within <paramref name="tolerance"/> of the reference, relative to the reference's
    /// largest magnitude (at least 1), and reports the worst element.
    /// </summary>
    public static void ShouldMatch(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected, float tolerance = 1e-5f, string what = "")
    {
        actual.Length.ShouldBe(expected.Length, what);
        float scale = 1f;
        foreach (float e in expected)
        {
            scale = Math.Max(scale, Math.Abs(e));
        }

        int worst = -1;
        double worstError = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double error = Math.Abs((double)actual[i] - expected[i]);
            if (!(error <= worstError) || float.IsNaN(actual[i]))
            {
                worstError = float.IsNaN(actual[i]) ? double.PositiveInfinity : error;
                worst = i;
            }
        }

        if (worst >= 0 && worstError > tolerance * scale)
        {
            throw new ShouldAssertException(
                $"{what}: element {worst} is {actual[worst]:R}, expected {expected[worst]:R} (error {worstError:E3} > {tolerance * scale:E3}).");
        }
    }
}
