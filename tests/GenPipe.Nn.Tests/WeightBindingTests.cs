using GenPipe.Nn.Blocks;
using GenPipe.Nn.Layers;
using GenPipe.Nn.Tests.Reference;
using GenPipe.Tensors;
using Shouldly;
using Xunit;

namespace GenPipe.Nn.Tests;

public sealed class WeightBindingTests
{
    [Fact]
    public void Missing_unexpected_and_misshaped_weights_are_all_reported_at_once_with_names_shapes_and_source()
    {
        var block = new ResnetBlock2D(8, 16, 32, groups: 4);
        var weights = block.NamedParameters().ToDictionary(p => p.Key, p => Tensor.Zeros(p.Value.Shape.ToArray()));
        weights.Remove("conv_shortcut.bias");
        weights.Remove("norm2.weight");
        weights["conv1.weight"] = Tensor.Zeros(16, 8, 1, 1);
        weights["time_emb_proj.weight"] = Tensor.Zeros(16, 31);
        weights["conv3.weight"] = Tensor.Zeros(3);

        var ex = Should.Throw<WeightBindingException>(
            () => block.LoadWeights(new DictionaryWeightSource(weights, "resnet.safetensors"), new ReferenceBackend()));

        ex.Source.ShouldBe("resnet.safetensors");
        ex.Missing.ShouldBe(["norm2.weight [16]", "conv_shortcut.bias [16]"]);
        ex.Unexpected.ShouldBe(["conv3.weight"]);
        ex.Mismatched.ShouldBe([
            new WeightShapeMismatch("conv1.weight", "[16, 8, 3, 3]", "[16, 8, 1, 1]"),
            new WeightShapeMismatch("time_emb_proj.weight", "[16, 32]", "[16, 31]"),
        ]);
        ex.Message.ShouldContain("resnet.safetensors");
        ex.Message.ShouldContain("2 missing, 1 unexpected, 2 with the wrong shape");
        ex.Message.ShouldContain("conv1.weight: the model expects [16, 8, 3, 3], the source has [16, 8, 1, 1]");
        block.IsLoaded.ShouldBeFalse();
    }

    [Fact]
    public void A_prefix_selects_the_model_inside_a_larger_file_and_ignores_the_rest()
    {
        var weights = new Dictionary<string, Tensor>
        {
            ["unet.weight"] = new Tensor([1, 2, 3, 4, 5, 6], 3, 2),
            ["unet.bias"] = new Tensor([10, 20, 30], 3),
            ["vae.decoder.conv.weight"] = Tensor.Zeros(1),
        };
        var linear = new Linear(2, 3);
        linear.LoadWeights(new DictionaryWeightSource(weights), new ReferenceBackend(), "unet.");

        var y = linear.Forward(new Tensor([1, -1], 1, 2));
        y.ToArray().ShouldBe([9f, 19f, 29f]);
    }

    [Fact]
    public void Forward_before_loading_says_to_load_weights()
    {
        var ex = Should.Throw<InvalidOperationException>(() => new Linear(2, 3).Forward(Tensor.Zeros(1, 2)));
        ex.Message.ShouldContain("LoadWeights");
    }
}
