using GenPipe.Tensors.Cpu;
using GenPipe.Tensors.Threading;
using GenPipe.Testing;
using Shouldly;

namespace GenPipe.Tensors.Tests.Gemm;

/// Shared helpers for the GEMM and convolution tests: one two-thread backend, fixture loading, closed-form inputs and
/// a scale-relative comparison.
internal static class KernelTestSupport
{
    public const string Collection = GenPipe.Testing.AllocationMeasurement.Name;

    private static readonly Lazy<FixtureFile> GemmFixtures = new(() => FixtureFile.Load(RefPath("gemm", "gemm_refs.safetensors.gz")));
    private static readonly Lazy<FixtureFile> ConvFixtures = new(() => FixtureFile.Load(RefPath("conv", "conv_refs.safetensors.gz")));

    /// Two workers, so the split paths run even on a one-core machine; tests set Threads per case.
    public static CpuWorkers Workers { get; } = new(2);

    public static CpuBackend Backend { get; } = new(Workers);

    /// Serializes the tests that change <see cref="CpuWorkers.Threads"/> on the shared workers.
    public static Lock ThreadsGate { get; } = new();

    public static FixtureFile GemmRefs => GemmFixtures.Value;

    public static FixtureFile ConvRefs => ConvFixtures.Value;

    /// tools/fixtures/make_gemm_conv_refs.py's pattern(): ((i * 7919 + seed * 104729) % 257 - 128) / 128.
    public static Tensor Pattern(int seed, params int[] shape)
    {
        var tensor = Tensor.Zeros(shape);
        var span = tensor.Span;
        for (long i = 0; i < span.Length; i++)
        {
            span[(int)i] = (float)((((i * 7919) + (seed * 104729L)) % 257 - 128) / 128.0);
        }

        return tensor;
    }

    public static Tensor Random(int seed, params int[] shape)
    {
        var random = new Random(seed);
        var tensor = Tensor.Zeros(shape);
        var span = tensor.Span;
        for (int i = 0; i < span.Length; i++)
        {
            span[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return tensor;
    }

    /// Max |actual - expected| within <paramref name="tolerance"/> times the largest |expected| (the output's scale).
    public static void ShouldMatch(TensorView actual, ReadOnlySpan<float> expected, string what, double tolerance = 1e-5)
    {
        var values = actual.ToArray();
        values.Length.ShouldBe(expected.Length, what);
        double scale = 1e-12, worst = 0;
        int worstAt = 0;
        for (int i = 0; i < values.Length; i++)
        {
            scale = Math.Max(scale, Math.Abs(expected[i]));
            double error = Math.Abs(values[i] - expected[i]);
            if (!(error <= worst))
            {
                worst = error;
                worstAt = i;
            }
        }

        (worst / scale).ShouldBeLessThanOrEqualTo(
            tolerance, $"{what}: element {worstAt} is {values[worstAt]}, expected {expected[worstAt]} (scale {scale})");
    }

    private static string RefPath(string folder, string file) => Path.Combine(AppContext.BaseDirectory, "Refs", folder, file);
}
