using System.Text.Json.Nodes;
using GenPipe.Nn.Models.UNet2DCondition;
using GenPipe.Tensors;
using Shouldly;
using Xunit;

namespace GenPipe.Nn.Tests.Diffusers;

/// <summary>
/// How <see cref="UNet2DConditionConfig"/> reads diffusers' config.json (SD 1.x and 2.x layouts, head counts as diffusers
/// derives them), what it refuses and how, and the linear-projection path against the unet_tiny fixture.
/// </summary>
public sealed class UNet2DConditionConfigTests
{
    private const string Source = "models/sd/unet/config.json";

    // Stable Diffusion 2.x's UNet settings (the keys diffusers' configs of SD 2.1 carry).
    private const string Sd2Config = """
        {
          "_class_name": "UNet2DConditionModel", "_diffusers_version": "0.10.0.dev0", "act_fn": "silu",
          "attention_head_dim": [5, 10, 20, 20], "block_out_channels": [320, 640, 1280, 1280], "center_input_sample": false,
          "cross_attention_dim": 1024,
          "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
          "downsample_padding": 1, "dual_cross_attention": false, "flip_sin_to_cos": true, "freq_shift": 0, "in_channels": 4,
          "layers_per_block": 2, "mid_block_scale_factor": 1, "norm_eps": 1e-05, "norm_num_groups": 32, "num_class_embeds": null,
          "only_cross_attention": false, "out_channels": 4, "sample_size": 96,
          "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"],
          "upcast_attention": true, "use_linear_projection": true
        }
        """;

    private static string TinyConfigPath => Path.Combine(Sd15Fixtures.Folder("unet_tiny"), "config.json");

    [Fact]
    public void Sd1_defaults_with_768_features_of_context_give_the_859_million_parameters_of_sd_1_5()
    {
        var config = UNet2DConditionConfig.Parse("""{"cross_attention_dim": 768}""", Source);
        var model = new UNet2DConditionModel(config);
        model.ParameterCount().ShouldBe(859_520_964);
        var attn1 = ((CrossAttnDownBlock2D)model.DownBlocks[0]).Attentions[0].TransformerBlocks[0].Attn1;
        (attn1.Heads, attn1.DimHead).ShouldBe((8, 40));
        model.MidBlock!.Attention.TransformerBlocks[0].Attn1.DimHead.ShouldBe(160);
        Shape(model, "down_blocks.0.attentions.0.proj_in.weight").ShouldBe([320, 320, 1, 1]);
    }

    [Fact]
    public void Sd2_per_level_attention_head_dim_is_the_head_count_and_projections_are_linear()
    {
        var config = UNet2DConditionConfig.Parse(Sd2Config, Source);
        config.AttentionHeads.ShouldBe([5, 10, 20, 20]);
        config.UseLinearProjection.ShouldBeTrue();
        config.UpcastAttention.ShouldBeTrue();
        config.CrossAttentionDim.ShouldBe([1024, 1024, 1024, 1024]);
        config.SampleSize.ShouldBe(96);

        var model = new UNet2DConditionModel(config);
        model.ParameterCount().ShouldBe(865_910_724);

        // 64 features per head everywhere: 320/5, 640/10, 1280/20; the decoder reads the list reversed.
        var down = model.DownBlocks.Take(3).Cast<CrossAttnDownBlock2D>().Select(b => b.Attentions[0].TransformerBlocks[0].Attn1);
        down.Select(a => (a.Heads, a.DimHead)).ShouldBe([(5, 64), (10, 64), (20, 64)]);
        var up = model.UpBlocks.Skip(1).Cast<CrossAttnUpBlock2D>().Select(b => b.Attentions[2].TransformerBlocks[0].Attn2!);
        up.Select(a => (a.Heads, a.DimHead)).ShouldBe([(20, 64), (10, 64), (5, 64)]);
        model.MidBlock!.Attention.TransformerBlocks[0].Attn1.Heads.ShouldBe(20);
        Shape(model, "down_blocks.0.attentions.0.proj_in.weight").ShouldBe([320, 320]);
        Shape(model, "up_blocks.3.attentions.2.proj_out.weight").ShouldBe([320, 320]);
        Shape(model, "up_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k.weight").ShouldBe([1280, 1024]);
    }

    [Fact]
    public void The_readme_four_level_layout_has_its_parameter_count_and_batch_rows_equal_single_timestep_runs()
    {
        // The held-back unet_sd15_like settings as the README lists them (its weights are not bundled).
        var config = UNet2DConditionConfig.Parse("""
            {
              "block_out_channels": [16, 32, 64, 64], "layers_per_block": 2, "sample_size": 32, "in_channels": 4, "out_channels": 4,
              "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
              "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"],
              "cross_attention_dim": 32, "attention_head_dim": 8, "norm_num_groups": 8
            }
            """, "unet_sd15_like settings");
        var model = new UNet2DConditionModel(config);
        model.ParameterCount().ShouldBe(2_162_996);
        model.LoadWeights(new SyntheticWeightSource(model), TestBackends.Fastest);

        // Each batch row depends on its own timestep only, as diffusers' tbatch case shows bit for bit.
        var io = UNet2DConditionTests.IoFile(Sd15Fixtures.Folder("unet_tiny"));
        var context = io.Tensor("encoder_hidden_states");
        var sample = new Tensor(Enumerable.Range(0, 2 * 4 * 32 * 32).Select(i => MathF.Sin(i * 0.37f)).ToArray(), 2, 4, 32, 32);
        float[] both = model.Forward(sample, [10f, 999f], context).ToArray();
        float[] at10 = model.Forward(sample, [10f], context).ToArray();
        float[] at999 = model.Forward(sample, [999f], context).ToArray();
        int row = 4 * 32 * 32;
        both.All(float.IsFinite).ShouldBeTrue();
        both.Take(row).ShouldBe(at10.Take(row));
        both.Skip(row).ShouldBe(at999.Skip(row));
        at10.Skip(row).ShouldNotBe(at999.Skip(row));
    }

    [Fact]
    public void Linear_projections_give_the_same_output_as_the_1x1_convolutions_they_replace()
    {
        // A linear proj_in/proj_out with a 1x1 convolution's weights is the same map, so unet_tiny's weights reshaped
        // must reproduce diffusers' outputs through the SD 2.x path.
        string folder = Sd15Fixtures.Folder("unet_tiny");
        var json = JsonNode.Parse(File.ReadAllText(TinyConfigPath))!.AsObject();
        json["use_linear_projection"] = true;
        var config = UNet2DConditionConfig.Parse(json.ToJsonString(), "unet_tiny with use_linear_projection");
        using var file = GenPipe.Tensors.SafeTensors.SafeTensorsFile.Open(Path.Combine(folder, UNet2DConditionModel.WeightsFileName));
        var source = new SafeTensorsWeightSource(file);
        var weights = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        int reshaped = 0;
        foreach (string name in source.Names)
        {
            var tensor = source.Load(name);
            if ((name.EndsWith(".proj_in.weight", StringComparison.Ordinal) || name.EndsWith(".proj_out.weight", StringComparison.Ordinal)) && tensor.Rank == 4)
            {
                tensor = tensor.Reshape(tensor.Dim(0), tensor.Dim(1));
                reshaped++;
            }

            weights[name] = tensor;
        }

        // Two transformers down, one in the middle, three up, each with proj_in and proj_out.
        reshaped.ShouldBe(12);
        var model = UNet2DConditionModel.Load(config, new DictionaryWeightSource(weights), TestBackends.Fastest);
        ((CrossAttnUpBlock2D)model.UpBlocks[1]).Attentions[0].ProjInLinear.ShouldNotBeNull();
        var io = UNet2DConditionTests.IoFile(folder);
        foreach (string name in UNet2DConditionTests.Cases(io))
        {
            var result = model.Forward(io.Tensor("sample"), UNet2DConditionTests.Timesteps(io, name), io.Tensor("encoder_hidden_states"));
            UNet2DConditionTests.ShouldMatchAbsolutely(result, io, name + ".out");
        }
    }

    [Fact]
    public void A_null_mid_block_type_builds_no_mid_block_and_the_up_blocks_take_the_encoder_output()
    {
        var json = JsonNode.Parse(File.ReadAllText(TinyConfigPath))!.AsObject();
        json["mid_block_type"] = null;
        var config = UNet2DConditionConfig.Parse(json.ToJsonString(), "unet_tiny without a mid block");
        config.MidBlockType.ShouldBeNull();

        // unet_tiny's weights less mid_block.* fit exactly (LoadWeights refuses missing or unexpected names).
        using var file = GenPipe.Tensors.SafeTensors.SafeTensorsFile.Open(
            Path.Combine(Sd15Fixtures.Folder("unet_tiny"), UNet2DConditionModel.WeightsFileName));
        var source = new SafeTensorsWeightSource(file);
        var weights = source.Names.Where(n => !n.StartsWith("mid_block.", StringComparison.Ordinal)).ToDictionary(n => n, source.Load);
        var model = UNet2DConditionModel.Load(config, new DictionaryWeightSource(weights), TestBackends.Fastest);
        model.MidBlock.ShouldBeNull();
        model.ParameterCount().ShouldBe(weights.Values.Sum(t => (long)t.Length));
        model.ParameterCount().ShouldBeLessThan(1_106_212);

        var io = UNet2DConditionTests.IoFile(Sd15Fixtures.Folder("unet_tiny"));
        var seen = new List<string>();
        var result = model.Forward(io.Tensor("sample"), [10f], io.Tensor("encoder_hidden_states"), (name, _) => seen.Add(name));
        result.Shape.ToArray().ShouldBe([2, 4, 16, 16]);
        result.ToArray().All(float.IsFinite).ShouldBeTrue();
        seen.ShouldBe(["time_proj", "time_embedding", "conv_in", "down_blocks.0", "down_blocks.1", "up_blocks.0", "up_blocks.1", "conv_out"]);
    }

    [Theory]
    [InlineData("down_block_types", """["AttnDownBlock2D", "DownBlock2D"]""", "\"AttnDownBlock2D\"", "\"CrossAttnDownBlock2D\"")]
    [InlineData("up_block_types", """["UpBlock2D", "SimpleCrossAttnUpBlock2D"]""", "\"SimpleCrossAttnUpBlock2D\"", "\"CrossAttnUpBlock2D\"")]
    [InlineData("mid_block_type", "\"UNetMidBlock2DSimpleCrossAttn\"", "\"UNetMidBlock2DSimpleCrossAttn\"", "or null")]
    [InlineData("addition_embed_type", "\"text_time\"", "\"text_time\"", "supports only null")]
    [InlineData("class_embed_type", "\"timestep\"", "\"timestep\"", "supports only null")]
    [InlineData("resnet_time_scale_shift", "\"scale_shift\"", "\"scale_shift\"", "supports only \"default\"")]
    [InlineData("time_cond_proj_dim", "256", "256", "supports only null")]
    [InlineData("attention_type", "\"gated\"", "\"gated\"", "supports only \"default\"")]
    [InlineData("num_attention_heads", "8", "8", "attention_head_dim as the number of heads")]
    [InlineData("time_embedding_type", "\"fourier\"", "\"fourier\"", "supports only \"positional\"")]
    [InlineData("center_input_sample", "true", "true", "supports only false")]
    [InlineData("only_cross_attention", "[true, false]", "[true,false]", "supports only false")]
    [InlineData("dual_cross_attention", "true", "true", "supports only false")]
    [InlineData("downsample_padding", "0", "0", "supports only 1")]
    [InlineData("act_fn", "\"gelu\"", "\"gelu\"", "\"silu\"")]
    [InlineData("norm_num_groups", "null", "null", "an integer")]
    [InlineData("transformer_layers_per_block", "[[1, 2], [1, 2]]", "[[1,2],[1,2]]", "one integer per level")]
    [InlineData("encoder_hid_dim_type", "\"text_proj\"", "\"text_proj\"", "supports only null")]
    [InlineData("some_future_setting", "1", "1", "does not know this setting")]
    public void Unsupported_settings_are_refused_naming_the_file_key_value_and_what_is_supported(
        string key, string value, string shownValue, string supported)
    {
        var json = JsonNode.Parse(File.ReadAllText(TinyConfigPath))!.AsObject();
        json[key] = JsonNode.Parse(value);
        var ex = Should.Throw<NotSupportedException>(() => UNet2DConditionConfig.Parse(json.ToJsonString(), Source));
        ex.Message.ShouldStartWith(Source + ": ");
        ex.Message.ShouldContain($"\"{key}\"");
        ex.Message.ShouldContain(shownValue);
        ex.Message.ShouldContain(supported);
    }

    [Fact]
    public void A_config_file_with_an_unknown_block_type_is_refused_with_its_path()
    {
        string folder = Directory.CreateTempSubdirectory("genpipe-unet-config-").FullName;
        try
        {
            string path = Path.Combine(folder, "config.json");
            File.WriteAllText(path, File.ReadAllText(TinyConfigPath).Replace("\"DownBlock2D\"", "\"KDownBlock2D\"", StringComparison.Ordinal));
            var ex = Should.Throw<NotSupportedException>(() => UNet2DConditionModel.Load(folder, TestBackends.Fastest));
            ex.Message.ShouldBe(
                $"{path}: \"down_block_types\"[1] is \"KDownBlock2D\"; GenPipe's UNet2DConditionModel supports \"DownBlock2D\" and \"CrossAttnDownBlock2D\".");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData("attention_head_dim", "[8]", "one entry per level (2")]
    [InlineData("down_block_types", """["CrossAttnDownBlock2D"]""", "has 1 entries but block_out_channels has 2 levels")]
    [InlineData("_class_name", "\"AutoencoderKL\"", "reads UNet2DConditionModel configs")]
    [InlineData("layers_per_block", "\"two\"", "expected an integer or a list")]
    [InlineData("norm_num_groups", "7", "does not divide into norm_num_groups 7")]
    public void Malformed_configs_are_invalid_data_naming_the_key(string key, string value, string expected)
    {
        var json = JsonNode.Parse(File.ReadAllText(TinyConfigPath))!.AsObject();
        json[key] = JsonNode.Parse(value);
        var ex = Should.Throw<InvalidDataException>(() => UNet2DConditionConfig.Parse(json.ToJsonString(), Source));
        ex.Message.ShouldStartWith(Source + ": ");
        ex.Message.ShouldContain(expected);
    }

    [Fact]
    public void Settings_that_change_nothing_for_these_blocks_are_accepted()
    {
        // Inference ignores dropout; diffusers hands these keys only to block types and embeddings refused elsewhere.
        var json = JsonNode.Parse(File.ReadAllText(TinyConfigPath))!.AsObject();
        json["dropout"] = 0.1;
        json["resnet_skip_time_act"] = true;
        json["cross_attention_norm"] = "group_norm";
        json["upcast_attention"] = true;
        var config = UNet2DConditionConfig.Parse(json.ToJsonString(), Source);
        config.UpcastAttention.ShouldBeTrue();
        new UNet2DConditionModel(config).ParameterCount().ShouldBe(1_106_212);
    }

    [Fact]
    public void Forward_rejects_inputs_of_the_wrong_shape_with_clear_messages()
    {
        var model = UNet2DConditionModel.Load(Sd15Fixtures.Folder("unet_tiny"), TestBackends.Fastest);
        var context = Tensor.Zeros(2, 7, 32);
        Should.Throw<ArgumentException>(() => model.Forward(Tensor.Zeros(2, 3, 16, 16), [1f], context))
            .Message.ShouldContain("[B, 4, H, W]");
        Should.Throw<ArgumentException>(() => model.Forward(Tensor.Zeros(2, 4, 16, 16), [1f, 2f, 3f], context))
            .Message.ShouldContain("3 timesteps for a batch of 2");
        Should.Throw<ArgumentException>(() => model.Forward(Tensor.Zeros(2, 4, 16, 16), [1f], Tensor.Zeros(2, 7, 16)))
            .Message.ShouldContain("16 features; level 0 attends to cross_attention_dim 32");
        Should.Throw<ArgumentException>(() => model.Forward(Tensor.Zeros(2, 4, 16, 16), [1f], Tensor.Zeros(1, 7, 32)))
            .Message.ShouldContain("sample's batch 2");
    }

    private static int[] Shape(Module model, string name) =>
        model.NamedParameters().Single(p => p.Key == name).Value.Shape.ToArray();
}
