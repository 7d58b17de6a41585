using GenPipe.Nn.Models;
using GenPipe.Tensors;
using Shouldly;
using Xunit;

namespace GenPipe.Nn.Tests;

/// <summary>The SmallUNet against PyTorch's bench/torch/small_unet.py, and its parameter names and count.</summary>
public sealed class SmallUNetTests
{
    // The fixture's reduced configuration (make_nn_refs.py), small enough that its weights fit in a 1.6 MB fixture.
    internal static readonly SmallUNetConfig Reduced = new()
    {
        BlockOutChannels = [16, 32, 32],
        NormNumGroups = 8,
        AttentionHeadDim = 8,
    };

    public static IEnumerable<object[]> Backends() => TestBackends.Names();

    [Theory]
    [MemberData(nameof(Backends))]
    public void Reduced_unet_at_batch_2_matches_torch(string backend)
    {
        var file = Fixtures.Load("small_unet_reduced");
        var model = SmallUNet.Load(Reduced, Fixtures.Weights(file), TestBackends.Get(backend), "w.");
        var output = model.Forward(file.Tensor("input"), file.Floats("timesteps"));
        Fixtures.ShouldMatch(output, file, "output", 1e-4);

        // A second forward reuses every buffer and must give the same numbers.
        var again = model.Forward(file.Tensor("input"), file.Floats("timesteps"));
        Fixtures.ShouldMatch(again, file, "output", 1e-4);
    }

    [Fact]
    public void Full_size_unet_on_synthetic_weights_matches_torch()
    {
        var file = Fixtures.Load("small_unet_full_synthetic");
        var model = new SmallUNet(new SmallUNetConfig());
        var weights = new SyntheticWeightSource(model);

        // The generator itself, against the values PyTorch's side produced.
        Fixtures.ShouldMatch(weights.Load("conv_in.weight"), file, "probe.conv_in.weight", 1e-7);
        Fixtures.ShouldMatch(weights.Load("conv_norm_out.bias"), file, "probe.conv_norm_out.bias", 1e-7);

        model.LoadWeights(weights, TestBackends.Fastest);
        Fixtures.ShouldMatch(model.Forward(file.Tensor("input"), file.Floats("timesteps")), file, "output", 1e-4);
    }

    [Fact]
    public void Full_size_model_has_the_diffusers_names_and_about_15M_parameters()
    {
        var model = new SmallUNet(new SmallUNetConfig());
        var names = model.NamedParameters().Select(p => p.Key).ToHashSet();

        // Counted by bench/torch/small_unet.py for the same configuration.
        model.ParameterCount().ShouldBe(15_726_084);
        names.ShouldContain("down_blocks.2.attentions.0.to_q.weight");
        names.ShouldContain("down_blocks.2.attentions.1.group_norm.bias");
        names.ShouldContain("down_blocks.0.downsamplers.0.conv.weight");
        names.ShouldContain("down_blocks.1.resnets.0.conv_shortcut.weight");
        names.ShouldContain("mid_block.attentions.0.to_out.0.bias");
        names.ShouldContain("up_blocks.0.attentions.2.to_v.weight");
        names.ShouldContain("up_blocks.1.upsamplers.0.conv.weight");
        names.ShouldContain("up_blocks.2.resnets.2.conv_shortcut.weight");
        names.ShouldContain("time_embedding.linear_2.weight");
        names.ShouldContain("conv_norm_out.weight");
        names.ShouldNotContain("up_blocks.2.upsamplers.0.conv.weight");
        names.ShouldNotContain("down_blocks.2.downsamplers.0.conv.weight");
        model.NamedParameters().Single(p => p.Key == "up_blocks.0.resnets.2.conv1.weight").Value.Shape
            .ShouldBe(new Dims([256, 384, 3, 3]));
    }

    [Fact]
    public void Forward_rejects_a_sample_of_the_wrong_shape_with_a_clear_message()
    {
        var file = Fixtures.Load("small_unet_reduced");
        var model = SmallUNet.Load(Reduced, Fixtures.Weights(file), TestBackends.Fastest, "w.");
        var ex = Should.Throw<ArgumentException>(() => model.Forward(Tensor.Zeros(1, 3, 32, 32), [1f]));
        ex.Message.ShouldContain("[B, 4, H, W]");
        ex = Should.Throw<ArgumentException>(() => model.Forward(Tensor.Zeros(2, 4, 32, 32), [1f, 2f, 3f]));
        ex.Message.ShouldContain("3 timesteps for a batch of 2");
    }
}
