using GenPipe.Nn.Models.Clip;
using GenPipe.Tensors;
using GenPipe.Testing;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace GenPipe.Nn.Tests.Diffusers;

/// <summary>
/// ClipTextModel against transformers' own outputs for the tiny CLIP text encoder of tests/Fixtures/sd15
/// (clip_text_tiny): last hidden state, every hidden state, the pooled output under both end-of-text rules, and clip
/// skip, each to 1e-4 absolute, on the reference and the cpu backends.
/// </summary>
public sealed class ClipTextModelTests(ITestOutputHelper log)
{
    private static readonly string Folder = Sd15Fixtures.Folder("clip_text_tiny");

    public static IEnumerable<object[]> Backends() => TestBackends.Names();

    [Fact]
    public void The_fixture_config_reads_as_transformers_wrote_it()
    {
        var config = ClipTextConfig.Load(Path.Combine(Folder, ClipTextModel.ConfigFileName));
        config.VocabSize.ShouldBe(1000);
        config.HiddenSize.ShouldBe(32);
        config.IntermediateSize.ShouldBe(37);
        config.NumHiddenLayers.ShouldBe(4);
        config.NumAttentionHeads.ShouldBe(4);
        config.MaxPositionEmbeddings.ShouldBe(77);
        config.HiddenAct.ShouldBe("quick_gelu");
        config.LayerNormEps.ShouldBe(1e-5f);
        (config.BosTokenId, config.EosTokenId, config.PadTokenId).ShouldBe((0, 2, 1));
        config.UsesLegacyPooling.ShouldBeTrue();
        ClipTextConfig.Load(Path.Combine(Folder, "config_eos999.json")).UsesLegacyPooling.ShouldBeFalse();

        // The README's count, from PyTorch.
        new ClipTextModel(config).ParameterCount().ShouldBe(61_684);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Forward_matches_transformers_hidden_states_and_legacy_pooling(string backend)
    {
        var io = Io();
        var model = ClipTextModel.Load(Folder, TestBackends.Get(backend));
        var output = model.Forward(Ids(io), 2);
        UpstreamMatch.ShouldMatch(output.LastHiddenState, io, "last_hidden_state", log);
        output.HiddenStates.Count.ShouldBe(5);
        for (int i = 0; i < 5; i++)
        {
            UpstreamMatch.ShouldMatch(output.HiddenStates[i], io, $"hidden_states.{i}", log);
        }

        output.PoolIndices.ShouldBe(io.Longs("pool_index").Select(i => (int)i).ToArray());
        output.PoolIndices.ShouldBe([6, 76]);
        UpstreamMatch.ShouldMatch(output.PooledOutput, io, "pooler_output", log);

        // A second forward reuses every buffer and must give the same numbers.
        UpstreamMatch.ShouldMatch(model.Forward(Ids(io), 2).LastHiddenState, io, "last_hidden_state");
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void A_config_with_the_real_eos_id_pools_at_the_first_eos(string backend)
    {
        var io = Io();
        var config = ClipTextConfig.Load(Path.Combine(Folder, "config_eos999.json"));
        config.EosTokenId.ShouldBe(999);
        using var file = GenPipe.Tensors.SafeTensors.SafeTensorsFile.Open(Path.Combine(Folder, ClipTextModel.WeightsFileName));
        var model = ClipTextModel.Load(config, new SafeTensorsWeightSource(file), TestBackends.Get(backend));
        var output = model.Forward(Ids(io), 2);
        output.PoolIndices.ShouldBe([6, 76]);
        UpstreamMatch.ShouldMatch(output.PooledOutput, io, "pooler_output_eos999_config", log);
    }

    [Fact]
    public void The_two_pooling_rules_differ_where_eos_is_not_the_largest_id()
    {
        // Padded with EOS as the SD 1.x tokenizer pads: both rules pick the first EOS.
        int[] row = [998, 5, 7, 999, 3, 999];
        ClipTextModel.PoolIndex(row, eosTokenId: 999, legacy: false).ShouldBe(3);
        ClipTextModel.PoolIndex(row, eosTokenId: 2, legacy: true).ShouldBe(3);
        int[] paddedWithZeros = [49406, 320, 1125, 49407, 0, 0];
        ClipTextModel.PoolIndex(paddedWithZeros, 49407, legacy: false).ShouldBe(3);
        int[] aboveEos = [10, 20, 15, 30];
        ClipTextModel.PoolIndex(aboveEos, eosTokenId: 15, legacy: false).ShouldBe(2);
        ClipTextModel.PoolIndex(aboveEos, eosTokenId: 2, legacy: true).ShouldBe(3);
        ClipTextModel.PoolIndex(aboveEos, eosTokenId: 77, legacy: false).ShouldBe(0); // no EOS: argmax of all-false
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Clip_skip_takes_an_earlier_hidden_state_with_the_final_norm_as_diffusers(string backend)
    {
        var io = Io();
        var weights = FixtureFile.Load(Path.Combine(Folder, ClipTextModel.WeightsFileName));
        var model = ClipTextModel.Load(Folder, TestBackends.Get(backend));
        model.Forward(Ids(io), 2);

        UpstreamMatch.ShouldMatch(model.ClipSkip(0), io, "last_hidden_state", log);
        UpstreamMatch.ShouldMatch(model.ClipSkip(0, applyFinalLayerNorm: false), io, "hidden_states.4", log);
        UpstreamMatch.ShouldMatch(model.ClipSkip(1, applyFinalLayerNorm: false), io, "hidden_states.3", log);
        UpstreamMatch.ShouldMatch(model.ClipSkip(4, applyFinalLayerNorm: false), io, "hidden_states.0", log);

        // diffusers' clip_skip=1: final_layer_norm(hidden_states[-2]), computed here in float64 from the fixture.
        float[] expected = LayerNorm(
            io.Floats("hidden_states.3"), weights.Floats("text_model.final_layer_norm.weight"), weights.Floats("text_model.final_layer_norm.bias"), 1e-5);
        float[] got = model.ClipSkip(1).ToArray();
        got.Length.ShouldBe(expected.Length);
        double worst = got.Zip(expected, (a, b) => Math.Abs(a - (double)b)).Max();
        log.WriteLine($"clip skip 1 with the final norm: max |diff| {worst:e2}");
        worst.ShouldBeLessThanOrEqualTo(UpstreamMatch.Tolerance);

        // The skipped state has its own buffer: the last hidden state is still intact.
        UpstreamMatch.ShouldMatch(model.ClipSkip(0), io, "last_hidden_state");
        Should.Throw<ArgumentOutOfRangeException>(() => model.ClipSkip(5));
    }

    [Fact]
    public void Checkpoints_with_position_ids_and_under_a_prefix_load()
    {
        var io = Io();
        var weights = FixtureFile.Load(Path.Combine(Folder, ClipTextModel.WeightsFileName));
        var tensors = weights.Names.ToDictionary(n => "cond_stage_model.transformer." + n, weights.Tensor);
        tensors["cond_stage_model.transformer.text_model.embeddings.position_ids"] = new Tensor(Enumerable.Range(0, 77).Select(i => (float)i).ToArray(), 1, 77);
        var config = ClipTextConfig.Load(Path.Combine(Folder, ClipTextModel.ConfigFileName));
        var model = ClipTextModel.Load(config, new DictionaryWeightSource(tensors), TestBackends.Fastest, "cond_stage_model.transformer.");
        UpstreamMatch.ShouldMatch(model.Forward(Ids(io), 2).LastHiddenState, io, "last_hidden_state");
    }

    [Fact]
    public void Missing_weights_bad_configs_and_bad_ids_fail_clearly()
    {
        var weights = FixtureFile.Load(Path.Combine(Folder, ClipTextModel.WeightsFileName));
        var kept = weights.Names.Where(n => n != "text_model.encoder.layers.2.mlp.fc1.bias").ToDictionary(n => n, weights.Tensor);
        var config = ClipTextConfig.Load(Path.Combine(Folder, ClipTextModel.ConfigFileName));
        var ex = Should.Throw<WeightBindingException>(
            () => ClipTextModel.Load(config, new DictionaryWeightSource(kept, "text_encoder.safetensors"), TestBackends.Fastest));
        ex.Missing.ShouldBe(["text_model.encoder.layers.2.mlp.fc1.bias [37]"]);

        string text = File.ReadAllText(Path.Combine(Folder, ClipTextModel.ConfigFileName));
        Should.Throw<InvalidDataException>(() => ClipTextConfig.Parse(text.Replace("quick_gelu", "relu", StringComparison.Ordinal), "text_encoder/config.json"))
            .Message.ShouldContain("text_encoder/config.json: $.hidden_act is \"relu\"");
        Should.Throw<InvalidDataException>(() => ClipTextConfig.Parse(text.Replace("\"num_attention_heads\": 4", "\"num_attention_heads\": 5", StringComparison.Ordinal), "c.json"))
            .Message.ShouldContain("$.hidden_size 32 must be a positive multiple of num_attention_heads 5");
        Should.Throw<InvalidDataException>(() => ClipTextConfig.Parse(text.Replace("clip_text_model", "clip", StringComparison.Ordinal), "c.json"))
            .Message.ShouldContain("$.model_type is \"clip\"");

        var model = ClipTextModel.Load(Folder, TestBackends.Fastest);
        Should.Throw<ArgumentException>(() => model.Forward(new int[78], 1)).Message.ShouldContain("77 positions");
        Should.Throw<ArgumentException>(() => model.Forward([0, 1, 1000, 2], 2)).Message.ShouldContain("Token id 1000 at [1, 0]");
        Should.Throw<ArgumentException>(() => model.Forward([0, 1, 2], 2)).Message.ShouldContain("3 ids");
    }

    private static FixtureFile Io() => FixtureFile.Load(Path.Combine(Folder, "io.safetensors"));

    private static int[] Ids(FixtureFile io) => io.Longs("input_ids").Select(i => checked((int)i)).ToArray();

    private static float[] LayerNorm(float[] x, float[] gamma, float[] beta, double eps)
    {
        int d = gamma.Length;
        var y = new float[x.Length];
        for (int r = 0; r < x.Length / d; r++)
        {
            var row = x.AsSpan(r * d, d).ToArray().Select(v => (double)v).ToArray();
            double mean = row.Average();
            double variance = row.Select(v => (v - mean) * (v - mean)).Average();
            for (int i = 0; i < d; i++)
            {
                y[(r * d) + i] = (float)(((row[i] - mean) / Math.Sqrt(variance + eps) * gamma[i]) + beta[i]);
            }
        }

        return y;
    }
}
