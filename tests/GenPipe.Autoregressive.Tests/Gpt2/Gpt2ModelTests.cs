using GenPipe.Abstractions.Models;
using GenPipe.Autoregressive.Gpt2;
using GenPipe.Testing;
using GenPipe.Tensors;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

using GenPipe.Nn;
using GenPipe.Nn.Tests;

namespace GenPipe.Autoregressive.Tests.Gpt2;

/// <summary>The tiny GPT-2 (2 layers, 4 heads, 64 features, 101 ids) against PyTorch (tools/fixtures/make_gpt2_refs.py).</summary>
public sealed class Gpt2ModelTests(ITestOutputHelper output)
{
    private const double LogitTolerance = 1e-4;

    public static IEnumerable<object[]> Backends() => TestBackends.Names();

    [Theory]
    [MemberData(nameof(Backends))]
    public void Full_prompt_forward_matches_torch_for_a_batch_of_two(string backend)
    {
        var (file, model, ids) = Load(backend);
        using var cache = model.CreateCache(2);
        var logits = model.Forward(ids, 2, cache);
        double error = Fixtures.ShouldMatch(logits, file, "logits", LogitTolerance);
        output.WriteLine($"{backend}: max |logit diff| / max |logit| = {error:g3}");
        cache.Length.ShouldBe(7);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void One_token_at_a_time_with_the_cache_equals_the_full_forward(string backend)
    {
        var (file, model, ids) = Load(backend);
        using var cache = model.CreateCache(2, capacity: 16);
        int length = ids.Length / 2;
        var steps = new float[2 * length * model.VocabularySize];
        for (int t = 0; t < length; t++)
        {
            var logits = model.Forward([ids[t], ids[length + t]], 2, cache);
            for (int s = 0; s < 2; s++)
            {
                logits.Select(0, s).Select(0, 0).CopyTo(steps.AsSpan(((s * length) + t) * model.VocabularySize, model.VocabularySize));
            }
        }

        double toIncremental = Fixtures.ShouldMatch(new Tensor(steps, 2, length, model.VocabularySize), file, "incremental_logits", LogitTolerance);
        double toFull = Fixtures.ShouldMatch(new Tensor(steps, 2, length, model.VocabularySize), file, "logits", LogitTolerance);
        output.WriteLine($"{backend}: cached steps vs torch incremental {toIncremental:g3}, vs torch full {toFull:g3}");
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Greedy_continuation_of_two_sequences_equals_torch(string backend)
    {
        var (file, model, ids) = Load(backend);
        using var cache = model.CreateCache(2);
        int[] expected = file.Longs("greedy").Select(v => (int)v).ToArray();
        model.GenerateGreedy(ids, 2, 6, cache).ShouldBe(expected);
        cache.Length.ShouldBe(7 + 5);
    }

    [Fact]
    public void Truncating_the_cache_and_replaying_reproduces_the_logits()
    {
        var (file, model, ids) = Load(TestBackends.CpuName);
        using var cache = model.CreateCache(2);
        int[] first = [ids[0], ids[1], ids[2], ids[3], ids[7], ids[8], ids[9], ids[10]];
        int[] rest = [ids[4], ids[5], ids[6], ids[11], ids[12], ids[13]];
        model.Forward(first, 2, cache);
        model.Forward([5, 6, 7, 8, 9, 10], 2, cache); // a rejected draft of three positions
        cache.Truncate(4);
        var logits = model.Forward(rest, 2, cache);

        var full = file.Tensor("logits").View;
        for (int s = 0; s < 2; s++)
        {
            var expected = full.Select(0, s).Slice(0, 4, 3).ToArray();
            var got = logits.Select(0, s).ToArray();
            MaxRelativeError(got, expected).ShouldBeLessThan(LogitTolerance);
        }
    }

    [Fact]
    public async Task Sequence_model_contract_returns_logits_and_rejects_a_foreign_cache()
    {
        var (file, model, ids) = Load(TestBackends.CpuName);
        ISequenceModel sequenceModel = model;
        using var contractCache = sequenceModel.CreateCache(2);
        using var logits = await sequenceModel.ForwardAsync(ids, 2, contractCache, CancellationToken.None);
        logits.GetShape().ShouldBe([2, 7, 101]);
        Fixtures.ShouldMatch(logits.View, file, "logits", LogitTolerance);
        using var cache = model.CreateCache(2);
        Should.Throw<ArgumentException>(() => model.Forward(ids, 2, model.CreateCache(1)));
        Should.Throw<ArgumentOutOfRangeException>(() => model.Forward([101, 0], 2, cache));
        Should.Throw<ArgumentException>(() => model.Forward(new int[2 * 33], 2, cache)).Message.ShouldContain("capacity");
    }

    [Fact]
    public void Config_reads_hugging_face_fields_and_names_bad_ones()
    {
        var config = Gpt2Config.Parse("""{"vocab_size": 101, "n_positions": 32, "n_embd": 64, "n_layer": 2, "n_head": 4, "layer_norm_epsilon": 1e-05, "activation_function": "gelu_new"}""");
        config.ShouldBe(new Gpt2Config { VocabSize = 101, Positions = 32, EmbeddingDim = 64, Layers = 2, Heads = 4, LayerNormEpsilon = 1e-5f });
        config.HeadDim.ShouldBe(16);
        Should.Throw<InvalidDataException>(() => Gpt2Config.Parse("""{"n_embd": 65, "n_head": 4}""", "x/config.json")).Message.ShouldContain("x/config.json");
        Should.Throw<InvalidDataException>(() => Gpt2Config.Parse("""{"n_layer": "two"}""")).Message.ShouldContain("$.n_layer");
        Should.Throw<InvalidDataException>(() => Gpt2Config.Parse("""{"activation_function": "relu"}""")).Message.ShouldContain("gelu_new");
        Should.Throw<InvalidDataException>(() => Gpt2Config.Parse("{"));
    }

    [Fact]
    public void Parameter_names_are_gpt2s()
    {
        var model = new Gpt2Model(new Gpt2Config { VocabSize = 101, Positions = 32, EmbeddingDim = 64, Layers = 2, Heads = 4 });
        var names = model.NamedParameters().ToDictionary(p => p.Key, p => p.Value.Shape.ToArray());
        names["transformer.h.1.attn.c_attn.weight"].ShouldBe([64, 192]);
        names["transformer.h.0.mlp.c_proj.weight"].ShouldBe([256, 64]);
        names.ShouldContainKey("transformer.ln_f.bias");
        names.ShouldNotContainKey("lm_head.weight");
        names.Count.ShouldBe(2 + (2 * 12) + 2);
    }

    private static (FixtureFile File, Gpt2Model Model, int[] Ids) Load(string backend)
    {
        var file = Fixtures.Load("gpt2_tiny");
        var config = Gpt2Config.Parse(file.Metadata["config"], "gpt2_tiny metadata");
        var model = new Gpt2Model(config);
        model.LoadWeights(Fixtures.Weights(file), TestBackends.Get(backend), "w.");
        return (file, model, file.Longs("ids").Select(v => (int)v).ToArray());
    }

    private static double MaxRelativeError(float[] got, float[] expected)
    {
        double scale = expected.Max(v => Math.Abs((double)v));
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(got[i] - (double)expected[i]));
        }

        return worst / scale;
    }
}
