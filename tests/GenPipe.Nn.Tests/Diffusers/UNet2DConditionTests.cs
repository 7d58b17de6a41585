using System.Text.Json;
using System.Text.RegularExpressions;
using GenPipe.Nn.Models.UNet2DCondition;
using GenPipe.Tensors;
using GenPipe.Tensors.Backends;
using GenPipe.Testing;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace GenPipe.Nn.Tests.Diffusers;

/// <summary>
/// <see cref="UNet2DConditionModel"/> against diffusers' own outputs (tests/Fixtures/sd15, README sections 1 and 4):
/// every io case, every intermediate at the model's module boundaries and the inner attention points, on both test
/// backends, to 1e-4 absolute; and every UNet fixture folder under <c>GENPIPE_SD_FIXTURES</c>.
/// </summary>
public sealed class UNet2DConditionTests(ITestOutputHelper output)
{
    /// <summary>The README's tolerance: float32 against float32, with a float64 rerun 1e-6 away.</summary>
    internal const double Tolerance = 1e-4;

    private const string TinyName = "unet_tiny";

    // The README's points at the model's own module boundaries (inner points are unet_tiny's alone).
    private static readonly Regex ModelLevelPoint = new(
        @"^t10\.(time_proj|time_embedding|conv_in|(down|up)_blocks\.\d+|mid_block|conv_norm_out|conv_out)$", RegexOptions.CultureInvariant);

    public static IEnumerable<object[]> Backends() => TestBackends.Names();

    /// <summary>Every fixture folder whose config is a UNet2DConditionModel, bundled or under GENPIPE_SD_FIXTURES.</summary>
    public static IEnumerable<object[]> UNetFolders() =>
        Sd15Fixtures.All().Where(IsUNetFolder).Select(folder => new object[] { folder });

    [Theory]
    [MemberData(nameof(Backends))]
    public void Unet_tiny_matches_diffusers_in_every_io_case(string backend)
    {
        var model = UNet2DConditionModel.Load(Sd15Fixtures.Folder(TinyName), TestBackends.Get(backend));
        var io = IoFile(Sd15Fixtures.Folder(TinyName));
        var cases = Cases(io);
        cases.ShouldBe(["t10", "t999", "tbatch_10_999"], ignoreOrder: true);
        foreach (string name in cases)
        {
            var result = model.Forward(io.Tensor("sample"), Timesteps(io, name), io.Tensor("encoder_hidden_states"));
            Report($"{backend} {name}.out", ShouldMatchAbsolutely(result, io, name + ".out"));
        }

        // The buffers are reused by a second forward of the first case and still give diffusers' numbers.
        var again = model.Forward(io.Tensor("sample"), Timesteps(io, "t10"), io.Tensor("encoder_hidden_states"));
        ShouldMatchAbsolutely(again, io, "t10.out");
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Unet_tiny_intermediates_at_every_module_boundary_match_diffusers(string backend)
    {
        string folder = Sd15Fixtures.Folder(TinyName);
        var model = UNet2DConditionModel.Load(folder, TestBackends.Get(backend));
        var seen = CheckIntermediates(model, folder, backend);

        // Every model-level point the fixture holds was compared (the inner ones have their own test).
        string[] expected =
        [
            "time_proj", "time_embedding", "conv_in", "down_blocks.0", "down_blocks.1", "mid_block", "up_blocks.0", "up_blocks.1",
            "conv_norm_out", "conv_out",
        ];
        seen.ShouldBe(expected, ignoreOrder: true);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Unet_tiny_inner_resnet_transformer_and_attention_points_match_diffusers(string backend)
    {
        string folder = Sd15Fixtures.Folder(TinyName);
        var model = UNet2DConditionModel.Load(folder, TestBackends.Get(backend));
        var steps = FixtureFile.Load(Path.Combine(folder, "intermediates.safetensors"));
        var io = IoFile(folder);
        var context = io.Tensor("encoder_hidden_states");
        const string block = "t10.down_blocks.0.";
        var down = model.DownBlocks[0].ShouldBeOfType<CrossAttnDownBlock2D>();
        var transformer = down.Attentions[0];
        transformer.UseLinearProjection.ShouldBeFalse();

        // Each module runs on the fixture's own input to it, so each comparison checks that module alone.
        var resnet = down.Resnets[0].Forward(steps.Tensor("t10.conv_in"), steps.Tensor("t10.time_embedding"));
        Report($"{backend} resnets.0", ShouldMatchAbsolutely(resnet, steps, block + "resnets.0"));
        var attention = transformer.Forward(steps.Tensor(block + "resnets.0"), context);
        Report($"{backend} attentions.0", ShouldMatchAbsolutely(attention, steps, block + "attentions.0"));
        var projIn = transformer.ProjInConv!.Forward(transformer.Norm.Forward(steps.Tensor(block + "resnets.0")));
        Report($"{backend} attentions.0.proj_in", ShouldMatchAbsolutely(projIn, steps, block + "attentions.0.proj_in"));

        // diffusers' hooks see each attention and the feed-forward before its residual is added; here the residual
        // is left out of the call, and the next input is built from the fixture's values as diffusers builds it.
        const string inner = block + "attentions.0.transformer_blocks.0.";
        var layer = transformer.TransformerBlocks[0];
        var tokens = steps.Tensor(block + "attentions.0.proj_in").Reshape(2, 32, 256).Transpose(1, 2).Contiguous();
        var attn1 = layer.Attn1.Forward(layer.Norm1.Forward(tokens));
        Report($"{backend} attn1", ShouldMatchAbsolutely(attn1, steps, inner + "attn1"));
        var afterAttn1 = Sum(tokens, steps.Tensor(inner + "attn1"));
        var attn2 = layer.Attn2!.Forward(layer.Norm2!.Forward(afterAttn1), context);
        Report($"{backend} attn2", ShouldMatchAbsolutely(attn2, steps, inner + "attn2"));
        var afterAttn2 = Sum(afterAttn1, steps.Tensor(inner + "attn2"));
        var ff = layer.Ff.Forward(layer.Norm3.Forward(afterAttn2));
        Report($"{backend} ff", ShouldMatchAbsolutely(ff, steps, inner + "ff"));
    }

    [Theory]
    [MemberData(nameof(UNetFolders))]
    public void Every_unet_fixture_folder_matches_diffusers_in_all_cases(string folder)
    {
        // The CPU backend only: the naive reference takes minutes on the larger held-back configurations.
        var model = UNet2DConditionModel.Load(folder, TestBackends.Fastest);
        var io = IoFile(folder);
        var cases = Cases(io);
        cases.ShouldNotBeEmpty($"{folder}/io.safetensors has no <case>.out");
        foreach (string name in cases)
        {
            var result = model.Forward(io.Tensor("sample"), Timesteps(io, name), io.Tensor("encoder_hidden_states"));
            Report($"{Path.GetFileName(folder)} {name}.out", ShouldMatchAbsolutely(result, io, name + ".out"));
        }

        string intermediates = Path.Combine(folder, "intermediates.safetensors");
        if (File.Exists(intermediates))
        {
            // Every model-level point the folder holds must have been compared, not just those the code reports.
            var seen = CheckIntermediates(model, folder, TestBackends.CpuName);
            var held = FixtureFile.Load(intermediates).Names
                .Where(n => ModelLevelPoint.IsMatch(n)).Select(n => n["t10.".Length..]).ToArray();
            held.ShouldNotBeEmpty();
            seen.ShouldBe(held, ignoreOrder: true);
        }
    }

    [Fact]
    public void Unet_tiny_has_the_readme_parameter_count_and_diffusers_names()
    {
        var config = UNet2DConditionConfig.FromFile(Path.Combine(Sd15Fixtures.Folder(TinyName), "config.json"));
        var model = new UNet2DConditionModel(config);
        model.ParameterCount().ShouldBe(1_106_212);

        // Exactly the names and shapes of the upstream state dict (304 tensors, README summary).
        using var file = GenPipe.Tensors.SafeTensors.SafeTensorsFile.Open(
            Path.Combine(Sd15Fixtures.Folder(TinyName), UNet2DConditionModel.WeightsFileName));
        var source = new SafeTensorsWeightSource(file);
        var names = model.NamedParameters().ToDictionary(p => p.Key, p => p.Value.Shape.ToArray());
        names.Count.ShouldBe(304);
        names.Keys.ShouldBe(source.Names, ignoreOrder: true);
        foreach (var (name, shape) in names)
        {
            shape.ShouldBe(source.GetShape(name).ToArray(), name);
        }
    }

    [Fact]
    public void Config_of_unet_tiny_is_read_as_diffusers_reads_it()
    {
        var config = UNet2DConditionConfig.FromFile(Path.Combine(Sd15Fixtures.Folder(TinyName), "config.json"));
        config.BlockOutChannels.ShouldBe([32, 64]);
        config.DownBlockTypes.ShouldBe(["CrossAttnDownBlock2D", "DownBlock2D"]);
        config.UpBlockTypes.ShouldBe(["UpBlock2D", "CrossAttnUpBlock2D"]);
        config.MidBlockType.ShouldBe("UNetMidBlock2DCrossAttn");
        config.LayersPerBlock.ShouldBe([2, 2]);
        config.AttentionHeads.ShouldBe([8, 8]);
        config.CrossAttentionDim.ShouldBe([32, 32]);
        config.TransformerLayersPerBlock.ShouldBe([1, 1]);
        config.FlipSinToCos.ShouldBeTrue();
        config.FreqShift.ShouldBe(0f);
        config.NormNumGroups.ShouldBe(32);
        config.NormEps.ShouldBe(1e-5f);
        config.TimeEmbedDim.ShouldBe(128);
        config.SampleSize.ShouldBe(16);

        // attention_head_dim 8 is the head count: 8 heads of 32 / 8 = 4 features in the 32-channel level.
        var model = new UNet2DConditionModel(config);
        var attn1 = model.DownBlocks[0].ShouldBeOfType<CrossAttnDownBlock2D>().Attentions[0].TransformerBlocks[0].Attn1;
        attn1.Heads.ShouldBe(8);
        attn1.DimHead.ShouldBe(4);
        model.MidBlock!.Attention.TransformerBlocks[0].Attn2!.DimHead.ShouldBe(8);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Timestep_embedding_kernel_matches_diffusers_on_the_whole_grid(string name)
    {
        var backend = TestBackends.Get(name);
        string folder = Sd15Fixtures.Folder("timestep_embedding");
        var file = FixtureFile.Load(Path.Combine(folder, "timestep_embedding.safetensors"));
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "timestep_embedding.json")));
        float[] floats = file.Floats("timesteps");
        float[] longs = [.. file.Longs("timesteps_long").Select(t => (float)t)];
        int checkedCases = 0;
        double worst = 0;
        foreach (var entry in json.RootElement.GetProperty("cases").EnumerateArray())
        {
            string key = entry.GetProperty("key").GetString()!;
            int dim = entry.GetProperty("embedding_dim").GetInt32();
            bool flip = entry.GetProperty("flip_sin_to_cos").GetBoolean();
            float shift = entry.GetProperty("downscale_freq_shift").GetSingle();
            float scale = entry.GetProperty("scale").GetSingle();
            float maxPeriod = entry.GetProperty("max_period").GetSingle();
            foreach (var (suffix, timesteps) in new[] { ("", floats), ("_long", longs) })
            {
                var result = Tensor.Zeros(backend, timesteps.Length, dim);
                backend.TimestepEmbedding(timesteps, result, flip, shift, scale, maxPeriod);
                worst = Math.Max(worst, ShouldMatchAbsolutely(result, file, key + suffix));
                checkedCases++;
            }
        }

        // dim {7, 32, 320} x flip x shift, each with float and int64 timesteps.
        checkedCases.ShouldBe(24);
        Report($"{name} timestep_embedding grid", worst);
    }

    internal static bool IsUNetFolder(string folder)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "config.json")));
        return json.RootElement.TryGetProperty("_class_name", out var cls) && cls.GetString() == "UNet2DConditionModel";
    }

    internal static FixtureFile IoFile(string folder) => FixtureFile.Load(Path.Combine(folder, "io.safetensors"));

    /// <summary>The case names of an io file: every <c>&lt;case&gt;.out</c>.</summary>
    internal static string[] Cases(FixtureFile io) =>
        [.. io.Names.Where(n => n.EndsWith(".out", StringComparison.Ordinal)).Select(n => n[..^4]).Order(StringComparer.Ordinal)];

    /// <summary>The case's timesteps (a 0-d int64 or one per row) as the floats diffusers computes with.</summary>
    internal static float[] Timesteps(FixtureFile io, string name) => [.. io.Longs(name + ".timestep").Select(t => (float)t)];

    /// <summary>Asserts the shape and a largest absolute deviation of at most <see cref="Tolerance"/>; returns the deviation.</summary>
    internal static double ShouldMatchAbsolutely(TensorView actual, FixtureFile file, string name)
    {
        actual.Shape.ToArray().ShouldBe(file.Shape(name), $"shape of {name}");
        float[] expected = file.Floats(name);
        float[] got = actual.ToArray();
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double diff = Math.Abs(got[i] - (double)expected[i]);
            worst = double.IsNaN(diff) ? double.PositiveInfinity : Math.Max(worst, diff);
        }

        worst.ShouldBeLessThanOrEqualTo(Tolerance, $"{name}: max |diff| {worst:g3}");
        return worst;
    }

    // Runs case t10 observing every module output and compares each point the folder's intermediates hold.
    private HashSet<string> CheckIntermediates(UNet2DConditionModel model, string folder, string backend)
    {
        var steps = FixtureFile.Load(Path.Combine(folder, "intermediates.safetensors"));
        var io = IoFile(folder);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var observed = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        model.Forward(io.Tensor("sample"), Timesteps(io, "t10"), io.Tensor("encoder_hidden_states"), (name, value) =>
        {
            // Copied at once: later modules may reuse nothing of it, but the check runs after the forward.
            observed[name] = new Tensor(value.ToArray(), value.Shape.ToArray());
        });

        // diffusers' conv_norm_out hook sees the group norm before SiLU, which the forward fuses; the same module
        // runs unfused on what the last up block produced in that forward.
        observed["conv_norm_out"] = new Tensor(model.ConvNormOut.Forward(observed[$"up_blocks.{model.Config.Levels - 1}"]));
        foreach (var (name, value) in observed)
        {
            if (steps.Contains("t10." + name))
            {
                Report($"{backend} {Path.GetFileName(folder)} {name}", ShouldMatchAbsolutely(value, steps, "t10." + name));
                seen.Add(name);
            }
        }

        return seen;
    }

    private static Tensor Sum(Tensor a, Tensor b)
    {
        var values = a.View.ToArray();
        var other = b.View.ToArray();
        for (int i = 0; i < values.Length; i++)
        {
            values[i] += other[i];
        }

        return new Tensor(values, a.GetShape());
    }

    private void Report(string what, double deviation) => output.WriteLine($"{what}: max |diff| {deviation:g3}");
}
