using System.Text.Json;
using Shouldly;
using Xunit;

namespace GenPipe.Tensors.Tests.Rng;

/// <summary>Bit-exact agreement with draws recorded from PyTorch 1.13's CPU generator.</summary>
public sealed class TorchGeneratorReferenceTests
{
    private const string ExtraRefsVariable = "GENPIPE_RANDN_REFS";

    private static readonly string RefsRoot = Path.Combine(AppContext.BaseDirectory, "Refs");

    public static TheoryData<string> RandnFiles()
    {
        var data = new TheoryData<string>();
        foreach (string file in Directory.GetFiles(Path.Combine(RefsRoot, "randn"), "*.json").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Fact]
    public void ShipsTheExpectedReferenceFiles() => Directory.GetFiles(Path.Combine(RefsRoot, "randn"), "*.json").Length.ShouldBeGreaterThanOrEqualTo(7);

    [Theory]
    [MemberData(nameof(RandnFiles))]
    public void ReproducesEveryDrawOfTheReferenceFile(string fileName) =>
        AssertReproduces(RandnReferenceFile.Load(Path.Combine(RefsRoot, "randn", fileName)));

    /// <summary>Runs any further files of the same format, e.g. large ones made by tools/fixtures/make_randn_refs.py.</summary>
    [Fact]
    public void ReproducesEveryFileInTheFolderNamedByTheEnvironment()
    {
        string? folder = Environment.GetEnvironmentVariable(ExtraRefsVariable);
        if (string.IsNullOrWhiteSpace(folder))
        {
            return;
        }

        Directory.Exists(folder).ShouldBeTrue($"{ExtraRefsVariable} names '{folder}', which does not exist.");
        string[] files = Directory.GetFiles(folder, "*.json");
        files.ShouldNotBeEmpty($"{ExtraRefsVariable} names '{folder}', which holds no *.json files.");
        foreach (string file in files)
        {
            AssertReproduces(RandnReferenceFile.Load(file));
        }
    }

    [Fact]
    public void SeedZeroGivesTheSchedulerReferenceStartingNoise()
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(RefsRoot, "schedulers", "ddim_x_T.json")));
        float[] expected = RandnReferenceFile.ReadFloats(document.RootElement.GetProperty("x_T"));

        var x = new TorchGenerator(0).Randn(1, 4, 8, 8);

        x.GetShape().ShouldBe([1, 4, 8, 8]);
        BitExact.ShouldEqualBits(x.Span, expected, "x_T");
    }

    [Fact]
    public void Seed1234ReproducesTheNoiseDrawnByDdimWithEta()
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(RefsRoot, "schedulers", "ddim_eta1_noise.json")));
        var steps = document.RootElement.GetProperty("noise").EnumerateArray().ToList();
        steps.Count.ShouldBe(10);
        var generator = new TorchGenerator(1234);

        for (int i = 0; i < steps.Count; i++)
        {
            foreach (var noise in steps[i].EnumerateArray())
            {
                BitExact.ShouldEqualBits(generator.Randn(1, 4, 8, 8).Span, RandnReferenceFile.ReadFloats(noise), $"step {i} noise");
            }
        }
    }

    [Fact]
    public void NextDoubleMatchesTorchRandFloat64AndSharesTheStreamWithRandn()
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(RefsRoot, "rand", "seed99_rand_double.json")));
        var root = document.RootElement;
        var generator = new TorchGenerator(root.GetProperty("seed").GetInt64());

        foreach (var value in root.GetProperty("values").EnumerateArray())
        {
            generator.NextDouble().ShouldBe(value.GetDouble());
        }

        foreach (var step in root.GetProperty("mixed").EnumerateArray())
        {
            generator.NextDouble().ShouldBe(step.GetProperty("rand").GetDouble());
            int[] shape = RandnReferenceFile.ReadInts(step.GetProperty("randn_shape"));
            BitExact.ShouldEqualBits(generator.Randn(shape).Span, RandnReferenceFile.ReadFloats(step.GetProperty("randn")), "randn after rand");
        }
    }

    private static void AssertReproduces(RandnReferenceFile reference)
    {
        reference.Draws.ShouldNotBeEmpty(reference.Path);
        var generator = new TorchGenerator(reference.Seed, reference.Kernel);
        for (int i = 0; i < reference.Draws.Count; i++)
        {
            var (shape, values) = reference.Draws[i];
            var drawn = generator.Randn(shape);
            drawn.GetShape().ShouldBe(shape);
            BitExact.ShouldEqualBits(drawn.Span, values, $"{Path.GetFileName(reference.Path)} draw {i} {Tensor.FormatShape(shape)}");
        }
    }
}
