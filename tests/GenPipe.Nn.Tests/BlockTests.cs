using GenPipe.Nn.Blocks;
using GenPipe.Nn.Embeddings;
using GenPipe.Nn.Layers;
using GenPipe.Nn.Normalization;
using GenPipe.Tensors.Backends;
using Shouldly;
using Xunit;

namespace GenPipe.Nn.Tests;

/// <summary>Each building block on random weights and inputs against PyTorch (tools/fixtures/make_nn_refs.py).</summary>
public sealed class BlockTests
{
    private const double BlockTolerance = 1e-5;

    public static IEnumerable<object[]> Backends() => TestBackends.Names();

    [Theory]
    [MemberData(nameof(Backends))]
    public void Linear_matches_torch(string backend)
    {
        var (file, m) = Bind("linear", new Linear(48, 40), backend);
        Fixtures.ShouldMatch(m.Forward(file.Tensor("input")), file, "output", BlockTolerance);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Conv2d_matches_torch(string backend)
    {
        var (file, m) = Bind("conv2d", new Conv2d(6, 10, 3, padding: 1), backend);
        Fixtures.ShouldMatch(m.Forward(file.Tensor("input")), file, "output", BlockTolerance);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void GroupNorm_matches_torch_with_and_without_fused_silu(string backend)
    {
        var (file, m) = Bind("group_norm", new GroupNorm(4, 16), backend);
        Fixtures.ShouldMatch(m.Forward(file.Tensor("input")), file, "output", BlockTolerance);
        Fixtures.ShouldMatch(m.Forward(file.Tensor("input"), Activation.Silu), file, "output_silu", BlockTolerance);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void LayerNorm_matches_torch(string backend)
    {
        var (file, m) = Bind("layer_norm", new LayerNorm(24), backend);
        Fixtures.ShouldMatch(m.Forward(file.Tensor("input")), file, "output", BlockTolerance);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Embedding_matches_torch(string backend)
    {
        var (file, m) = Bind("embedding", new Embedding(50, 16), backend);
        int[] ids = file.Longs("ids").Select(i => (int)i).ToArray();
        Fixtures.ShouldMatch(m.Forward(ids), file, "output", 0);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Image_self_attention_with_group_norm_and_residual_matches_torch(string backend)
    {
        var attention = new Attention(32, 4, 8, bias: true, normGroups: 8, residualConnection: true);
        var (file, m) = Bind("attention_image", attention, backend);
        Fixtures.ShouldMatch(m.Forward(file.Tensor("input")), file, "output", BlockTolerance);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Token_self_attention_matches_torch(string backend)
    {
        var (file, m) = Bind("attention_self", new Attention(32, 4, 8), backend);
        Fixtures.ShouldMatch(m.Forward(file.Tensor("input")), file, "output", BlockTolerance);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Cross_attention_matches_torch(string backend)
    {
        var (file, m) = Bind("attention_cross", new Attention(32, 4, 8, crossAttentionDim: 20), backend);
        Fixtures.ShouldMatch(m.Forward(file.Tensor("input"), file.Tensor("context")), file, "output", BlockTolerance);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void ResnetBlock2D_with_conv_shortcut_matches_torch(string backend)
    {
        var (file, m) = Bind("resnet_shortcut", new ResnetBlock2D(16, 24, 40, groups: 8), backend);
        m.ConvShortcut.ShouldNotBeNull();
        Fixtures.ShouldMatch(m.Forward(file.Tensor("input"), file.Tensor("temb")), file, "output", BlockTolerance);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void ResnetBlock2D_with_identity_shortcut_matches_torch(string backend)
    {
        var (file, m) = Bind("resnet", new ResnetBlock2D(16, 16, 40, groups: 8), backend);
        m.ConvShortcut.ShouldBeNull();
        Fixtures.ShouldMatch(m.Forward(file.Tensor("input"), file.Tensor("temb")), file, "output", BlockTolerance);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void BasicTransformerBlock_matches_torch(string backend)
    {
        var (file, m) = Bind("transformer_block", new BasicTransformerBlock(32, 4, 8, crossAttentionDim: 20, activation: FeedForwardActivation.Gelu), backend);
        Fixtures.ShouldMatch(m.Forward(file.Tensor("input"), file.Tensor("context")), file, "output", BlockTolerance);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void BasicTransformerBlock_with_geglu_matches_torch(string backend)
    {
        var (file, m) = Bind("transformer_block_geglu", new BasicTransformerBlock(32, 4, 8, crossAttentionDim: 20), backend);
        m.Ff.Proj.OutFeatures.ShouldBe(2 * 4 * 32);
        Fixtures.ShouldMatch(m.Forward(file.Tensor("input"), file.Tensor("context")), file, "output", BlockTolerance);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Downsample2D_matches_torch(string backend)
    {
        var (file, m) = Bind("downsample", new Downsample2D(8), backend);
        Fixtures.ShouldMatch(m.Forward(file.Tensor("input")), file, "output", BlockTolerance);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Upsample2D_matches_torch(string backend)
    {
        var (file, m) = Bind("upsample", new Upsample2D(8), backend);
        Fixtures.ShouldMatch(m.Forward(file.Tensor("input")), file, "output", BlockTolerance);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Timestep_features_and_embedding_match_torch(string backend)
    {
        var file = Fixtures.Load("timestep_embedding");
        var proj = new Timesteps(32, flipSinToCos: true, downscaleFreqShift: 0f);
        proj.LoadWeights(new DictionaryWeightSource(new Dictionary<string, GenPipe.Tensors.Tensor>()), TestBackends.Get(backend));
        var features = proj.Forward(file.Floats("timesteps"));

        // sin/cos of arguments near 1000: one float ulp of the argument (6e-5) moves the result by as much, and
        // torch's vectorized exp may round the frequency differently; so the features get an argument-sized tolerance.
        Fixtures.ShouldMatch(features, file, "features", 2e-4);

        var embedding = new TimestepEmbedding(32, 64);
        embedding.LoadWeights(Fixtures.Weights(file), TestBackends.Get(backend), "w.");
        Fixtures.ShouldMatch(embedding.Forward(file.Tensor("features")), file, "output", BlockTolerance);
    }

    private static (GenPipe.Testing.FixtureFile File, T Module) Bind<T>(string fixture, T module, string backend)
        where T : Module
    {
        var file = Fixtures.Load(fixture);
        module.LoadWeights(Fixtures.Weights(file), TestBackends.Get(backend), "w.");
        return (file, module);
    }
}
