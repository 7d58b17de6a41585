using System.Globalization;
using GenPipe.Tensors.Backends;
using GenPipe.Testing;
using Shouldly;
using Xunit;
using static GenPipe.Tensors.Tests.Gemm.KernelTestSupport;

namespace GenPipe.Tensors.Tests.Kernels;

/// <summary>
/// Self-describing PyTorch cases (tools/fixtures/make_kernel_cases.py): each file names its operation and settings in
/// its metadata and holds the inputs and PyTorch's output, and every shape comes from the file. The bundled cases are
/// in Refs/cases; cases regenerated at other shapes (<c>make_kernel_cases.py --seed N --out DIR</c>) run from the
/// folder named by <c>GENPIPE_KERNEL_REFS</c>.
/// </summary>
[Collection(AllocationMeasurement.Name)]
public sealed class KernelCaseTests
{
    private const double Tolerance = 2e-5;

    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        var folders = new List<string> { Path.Combine(AppContext.BaseDirectory, "Refs", "cases") };
        string? extra = Environment.GetEnvironmentVariable("GENPIPE_KERNEL_REFS");
        if (!string.IsNullOrWhiteSpace(extra))
        {
            folders.Add(Directory.Exists(extra)
                ? extra
                : throw new DirectoryNotFoundException($"GENPIPE_KERNEL_REFS names '{extra}', which is not a folder."));
        }

        foreach (string file in folders.SelectMany(f => Directory.EnumerateFiles(f, "*.safetensors*")).Order(StringComparer.Ordinal))
        {
            data.Add(file, 1);
            data.Add(file, 2);
        }

        return data;
    }

    [Fact]
    public void The_bundled_set_covers_every_operation()
    {
        var ops = Cases().Select(row => FixtureFile.Load((string)row[0]).Metadata["op"]).ToHashSet();
        ops.ShouldBe(["matmul", "linear", "conv2d", "group_norm", "layer_norm", "softmax", "attention", "activation", "upsample"], ignoreOrder: true);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_PyTorch(string path, int threads) => Gemm.MatMulReferenceTests.WithThreads(threads, () =>
    {
        var file = FixtureFile.Load(path);
        var meta = file.Metadata;
        var expected = file.Tensor("expected");
        var output = Tensor.Zeros(expected.GetShape());
        string name = Path.GetFileName(path);
        switch (meta["op"])
        {
            case "matmul":
                var a = file.Tensor("a").View;
                var b = file.Tensor("b").View;
                Backend.MatMul(
                    meta["transpose_a"] == "1" ? a.Transpose(-1, -2) : a,
                    meta["transpose_b"] == "1" ? b.Transpose(-1, -2) : b,
                    output,
                    new GemmEpilogue(Optional(file, "bias"), ActivationOf(meta), Optional(file, "residual"), Float(meta, "alpha")));
                break;
            case "linear":
                var packed = Backend.PackMatrix(file.Tensor("weight").View.Transpose(0, 1));
                Backend.MatMul(file.Tensor("x"), packed, output, new GemmEpilogue(file.Tensor("bias"), ActivationOf(meta)));
                break;
            case "conv2d":
                var geometry = new Conv2dGeometry(Int(meta, "stride"), Int(meta, "stride"), Int(meta, "padding"), Int(meta, "padding"),
                    Int(meta, "groups"), Int(meta, "dilation"), Int(meta, "dilation"));
                Backend.Conv2d(file.Tensor("x"), Backend.PackConv2d(file.Tensor("weight"), geometry), output,
                    new GemmEpilogue(file.Tensor("bias"), ActivationOf(meta), Optional(file, "residual")));
                break;
            case "group_norm":
                Backend.GroupNorm(file.Tensor("x"), Int(meta, "groups"), file.Tensor("gamma"), file.Tensor("beta"), Float(meta, "eps"), output, ActivationOf(meta));
                break;
            case "layer_norm":
                Backend.LayerNorm(file.Tensor("x"), file.Tensor("gamma"), file.Tensor("beta"), Float(meta, "eps"), output);
                break;
            case "softmax":
                Backend.Softmax(file.Tensor("x"), output);
                break;
            case "attention":
                Backend.Attention(file.Tensor("q"), file.Tensor("k"), file.Tensor("v"), output, Float(meta, "scale"), meta["causal"] == "1");
                break;
            case "activation":
                Backend.Activate(file.Tensor("x"), output, ActivationOf(meta));
                break;
            case "upsample":
                Backend.UpsampleNearest(file.Tensor("x"), output);
                break;
            default:
                throw new InvalidDataException($"{path}: unknown op '{meta["op"]}'.");
        }

        ShouldMatch(output, expected.Span, $"{name} ({meta["op"]}, {threads} thread(s))", Tolerance);
    });

    private static TensorView Optional(FixtureFile file, string name) => file.Contains(name) ? file.Tensor(name).View : default;

    private static int Int(Dictionary<string, string> meta, string key) => int.Parse(meta[key], CultureInfo.InvariantCulture);

    private static float Float(Dictionary<string, string> meta, string key) => float.Parse(meta[key], CultureInfo.InvariantCulture);

    private static Activation ActivationOf(Dictionary<string, string> meta) => meta["activation"] switch
    {
        "none" => Activation.None,
        "relu" => Activation.Relu,
        "silu" => Activation.Silu,
        "gelu" => Activation.Gelu,
        "gelu_tanh" => Activation.GeluTanh,
        "quick_gelu" => Activation.QuickGelu,
        var other => throw new InvalidDataException($"unknown activation '{other}'"),
    };
}
