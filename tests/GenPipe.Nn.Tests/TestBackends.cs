using GenPipe.Nn.Tests.Reference;
using GenPipe.Tensors;
using GenPipe.Tensors.Backends;

namespace GenPipe.Nn.Tests;

/// <summary>
/// The backends the module tests run on: the naive reference (an independent check of the module wiring) and the CPU
/// backend (the real kernels).
/// </summary>
internal static class TestBackends
{
    public const string ReferenceName = "reference";
    public const string CpuName = "cpu";

    /// <summary>The CPU backend, for tests that need just one.</summary>
    public static ITensorBackend Fastest => TensorBackends.Cpu;

    public static IEnumerable<object[]> Names()
    {
        yield return [ReferenceName];
        yield return [CpuName];
    }

    public static ITensorBackend Get(string name) => name switch
    {
        ReferenceName => new ReferenceBackend(),
        CpuName => TensorBackends.Cpu,
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };
}
