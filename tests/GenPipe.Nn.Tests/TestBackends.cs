using GenPipe.Nn.Tests.Reference;
using GenPipe.Tensors;
using GenPipe.Tensors.Backends;

namespace GenPipe.Nn.Tests;

/// <summary>
/// The backends the module tests run on: always the naive reference, and the CPU backend once its kernels have landed
/// (a probe calls each kernel the modules use once; a placeholder kernel throws <see cref="NotImplementedException"/>).
/// </summary>
internal static class TestBackends
{
    public const string ReferenceName = "reference";
    public const string CpuName = "cpu";

    private static readonly Lazy<string?> CpuMissing = new(ProbeCpu);

    /// <summary>Null when every kernel of the CPU backend works; otherwise the first missing one.</summary>
    public static string? CpuMissingKernel => CpuMissing.Value;

    public static bool CpuAvailable => CpuMissingKernel is null;

    /// <summary>The CPU backend when it is complete, otherwise the reference (for tests that need just one).</summary>
    public static ITensorBackend Fastest => CpuAvailable ? TensorBackends.Cpu : new ReferenceBackend();

    public static IEnumerable<object[]> Names()
    {
        yield return [ReferenceName];
        if (CpuAvailable)
        {
            yield return [CpuName];
        }
    }

    public static ITensorBackend Get(string name) => name switch
    {
        ReferenceName => new ReferenceBackend(),
        CpuName => TensorBackends.Cpu,
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    private static string? ProbeCpu()
    {
        var cpu = TensorBackends.Cpu;
        var m = new Tensor([1, 2, 3, 4], 2, 2);
        var o = Tensor.Zeros(2, 2);
        var img = new Tensor(new float[16], 1, 4, 2, 2);
        var img2 = Tensor.Zeros(1, 4, 2, 2);
        var ones = Tensor.Full(1, 4);
        var probes = new (string Name, Action Run)[]
        {
            ("PackMatrix/MatMul", () => cpu.MatMul(m, cpu.PackMatrix(m), o, GemmEpilogue.None)),
            ("MatMul (unpacked)", () => cpu.MatMul(m, m, o, GemmEpilogue.None)),
            ("Conv2d", () => cpu.Conv2d(img, cpu.PackConv2d(Tensor.Zeros(4, 4, 1, 1), default(Conv2dGeometry) with { StrideH = 1, StrideW = 1, Groups = 1, DilationH = 1, DilationW = 1 }), img2, GemmEpilogue.None)),
            ("GroupNorm", () => cpu.GroupNorm(img, 2, ones, ones, 1e-5f, img2)),
            ("LayerNorm", () => cpu.LayerNorm(m, Tensor.Full(1, 2), default, 1e-5f, o)),
            ("Attention", () => cpu.Attention(img.View, img.View, img.View, img2.View, 1f, false)),
            ("Activate", () => cpu.Activate(m, o, Activation.Silu)),
            ("Add", () => cpu.Add(m, m, o)),
            ("Scale", () => cpu.Scale(m, 2f, o)),
            ("Copy", () => cpu.Copy(m.View.Transpose(0, 1), o)),
            ("UpsampleNearest", () => cpu.UpsampleNearest(new Tensor(new float[4], 1, 4, 1, 1), 2, 2, img2)),
            ("Concat", () => cpu.Concat([img.View.Slice(1, 0, 2), img.View.Slice(1, 2, 2)], 1, img2)),
            ("Embedding", () => cpu.Embedding(m, [1, 0], o)),
            ("TimestepEmbedding", () => cpu.TimestepEmbedding([1f, 2f], o, true, 0f)),
        };
        foreach (var (name, run) in probes)
        {
            try
            {
                run();
            }
            catch (NotImplementedException)
            {
                return name;
            }
        }

        return null;
    }
}
