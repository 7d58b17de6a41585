using GenPipe.Nn.Models.Vae;
using GenPipe.Tensors;
using GenPipe.Tensors.Backends;
using GenPipe.Testing;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace GenPipe.Nn.Tests.Diffusers;

/// <summary>
/// AutoencoderKL against diffusers' own outputs for the tiny VAE of tests/Fixtures/sd15 (vae_kl_tiny): the posterior,
/// sampling, decoding, the reconstruction, and every stage the fixture recorded, each to 1e-4 absolute, on the
/// reference and the cpu backends.
/// </summary>
public sealed class AutoencoderKLTests(ITestOutputHelper log)
{
    private static readonly string Folder = Sd15Fixtures.Folder("vae_kl_tiny");

    public static IEnumerable<object[]> Backends() => TestBackends.Names();

    [Fact]
    public void The_fixture_config_reads_as_diffusers_wrote_it()
    {
        var config = AutoencoderKLConfig.Load(Path.Combine(Folder, AutoencoderKL.ConfigFileName));
        config.BlockOutChannels.ShouldBe([32, 64]);
        config.DownBlockTypes.ShouldBe(["DownEncoderBlock2D", "DownEncoderBlock2D"]);
        config.UpBlockTypes.ShouldBe(["UpDecoderBlock2D", "UpDecoderBlock2D"]);
        config.LayersPerBlock.ShouldBe(2);
        config.LatentChannels.ShouldBe(4);
        config.NormNumGroups.ShouldBe(32);
        config.SampleSize.ShouldBe(32);
        config.ScalingFactor.ShouldBe(0.18215f);
        config.ShiftFactor.ShouldBeNull();
        config.UseQuantConv.ShouldBeTrue();
        config.UsePostQuantConv.ShouldBeTrue();
        config.MidBlockAddAttention.ShouldBeTrue();

        // The README's count, from PyTorch.
        new AutoencoderKL(config).ParameterCount().ShouldBe(843_847);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Encode_gives_diffusers_posterior_and_its_sample(string backend)
    {
        var io = Io();
        var vae = AutoencoderKL.Load(Folder, TestBackends.Get(backend));
        var posterior = vae.Encode(io.Tensor("image"));
        UpstreamMatch.ShouldMatch(posterior.Moments, io, "encode.moments", log);
        UpstreamMatch.ShouldMatch(posterior.Mean, io, "encode.mean", log);
        UpstreamMatch.ShouldMatch(posterior.LogVar, io, "encode.logvar", log);
        UpstreamMatch.ShouldMatch(posterior.Std, io, "encode.std", log);
        UpstreamMatch.ShouldMatch(posterior.Var, io, "encode.var", log);
        UpstreamMatch.ShouldMatch(posterior.Sample(io.Tensor("encode.sample_noise")), io, "encode.sample", log);
        UpstreamMatch.ShouldMatch(posterior.Mode(), io, "encode.mean", log);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Decode_and_the_mode_reconstruction_match_diffusers(string backend)
    {
        var io = Io();
        var vae = AutoencoderKL.Load(Folder, TestBackends.Get(backend));
        UpstreamMatch.ShouldMatch(vae.Decode(io.Tensor("latent")), io, "decode.out", log);
        UpstreamMatch.ShouldMatch(vae.Forward(io.Tensor("image")), io, "forward_mode.out", log);

        // A second call reuses every buffer and must give the same numbers.
        UpstreamMatch.ShouldMatch(vae.Decode(io.Tensor("latent")), io, "decode.out");
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Every_encoder_stage_matches_its_recorded_output(string backend)
    {
        var io = Io();
        var mid = Intermediates();
        var vae = AutoencoderKL.Load(Folder, TestBackends.Get(backend));
        var encoder = vae.Encoder;

        // Each stage runs on the recorded input of that stage, so a deviation points at the stage itself.
        Stage(encoder.ConvIn.Forward(io.Tensor("image")), mid, "encode.encoder.conv_in");
        Stage(encoder.DownBlocks[0].Forward(mid.Tensor("encode.encoder.conv_in")), mid, "encode.encoder.down_blocks.0");
        Stage(encoder.DownBlocks[1].Forward(mid.Tensor("encode.encoder.down_blocks.0")), mid, "encode.encoder.down_blocks.1");
        var resnet0 = encoder.MidBlock.Resnet0.Forward(mid.Tensor("encode.encoder.down_blocks.1"));
        Stage(encoder.MidBlock.Attention!.Forward(resnet0), mid, "encode.encoder.mid_block.attentions.0");
        Stage(encoder.MidBlock.Forward(mid.Tensor("encode.encoder.down_blocks.1")), mid, "encode.encoder.mid_block");
        Stage(encoder.ConvNormOut.Forward(mid.Tensor("encode.encoder.mid_block")), mid, "encode.encoder.conv_norm_out");
        var activated = encoder.ConvNormOut.Forward(mid.Tensor("encode.encoder.mid_block"), Activation.Silu);
        Stage(encoder.ConvOut.Forward(activated), mid, "encode.encoder.conv_out");
        Stage(vae.QuantConv!.Forward(mid.Tensor("encode.encoder.conv_out")), mid, "encode.quant_conv");

        // And the whole encoder from the image.
        Stage(encoder.Forward(io.Tensor("image")), mid, "encode.encoder.conv_out");
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Every_decoder_stage_matches_its_recorded_output(string backend)
    {
        var io = Io();
        var mid = Intermediates();
        var vae = AutoencoderKL.Load(Folder, TestBackends.Get(backend));
        var decoder = vae.Decoder;

        Stage(vae.PostQuantConv!.Forward(io.Tensor("latent")), mid, "decode.post_quant_conv");
        Stage(decoder.ConvIn.Forward(mid.Tensor("decode.post_quant_conv")), mid, "decode.decoder.conv_in");
        var resnet0 = decoder.MidBlock.Resnet0.Forward(mid.Tensor("decode.decoder.conv_in"));
        Stage(decoder.MidBlock.Attention!.Forward(resnet0), mid, "decode.decoder.mid_block.attentions.0");
        Stage(decoder.MidBlock.Forward(mid.Tensor("decode.decoder.conv_in")), mid, "decode.decoder.mid_block");
        Stage(decoder.UpBlocks[0].Forward(mid.Tensor("decode.decoder.mid_block")), mid, "decode.decoder.up_blocks.0");
        Stage(decoder.UpBlocks[1].Forward(mid.Tensor("decode.decoder.up_blocks.0")), mid, "decode.decoder.up_blocks.1");
        Stage(decoder.ConvNormOut.Forward(mid.Tensor("decode.decoder.up_blocks.1")), mid, "decode.decoder.conv_norm_out");
        var activated = decoder.ConvNormOut.Forward(mid.Tensor("decode.decoder.up_blocks.1"), Activation.Silu);
        Stage(decoder.ConvOut.Forward(activated), mid, "decode.decoder.conv_out");
        Stage(decoder.Forward(mid.Tensor("decode.post_quant_conv")), mid, "decode.decoder.conv_out");
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Latent_scaling_is_what_pipelines_apply_and_raw_encode_leaves_it_out(string backend)
    {
        var io = Io();
        var z = io.Tensor("encode.sample");
        float[] raw = z.Span.ToArray();
        var vae = AutoencoderKL.Load(Folder, TestBackends.Get(backend));
        vae.ScalingFactor.ShouldBe(0.18215f);
        vae.ShiftFactor.ShouldBeNull();
        ShouldBeClose(vae.ScaleLatents(z), raw.Select(v => v * 0.18215).ToArray());
        ShouldBeClose(vae.UnscaleLatents(vae.ScaleLatents(z)), raw.Select(v => (double)v).ToArray());

        // With a shift (SD3's factors), as diffusers' SD3 pipeline: (z - shift) * scale, and z / scale + shift.
        var config = AutoencoderKLConfig.Load(Path.Combine(Folder, AutoencoderKL.ConfigFileName)) with { ScalingFactor = 1.5305f, ShiftFactor = 0.0609f };
        var shifted = new AutoencoderKL(config);
        using (var file = GenPipe.Tensors.SafeTensors.SafeTensorsFile.Open(Path.Combine(Folder, AutoencoderKL.WeightsFileName)))
        {
            shifted.LoadWeights(new SafeTensorsWeightSource(file), TestBackends.Get(backend));
        }

        ShouldBeClose(shifted.ScaleLatents(z), raw.Select(v => (v - 0.0609) * 1.5305).ToArray());
        ShouldBeClose(shifted.UnscaleLatents(z), raw.Select(v => (v / 1.5305) + 0.0609).ToArray());

        // In place, as a pipeline would on its own latents.
        var copy = z.Clone();
        shifted.ScaleLatents(copy, copy);
        ShouldBeClose(copy, raw.Select(v => (v - 0.0609) * 1.5305).ToArray());
    }

    [Fact]
    public void An_unknown_block_type_or_activation_is_refused_naming_the_file_and_key()
    {
        string text = File.ReadAllText(Path.Combine(Folder, AutoencoderKL.ConfigFileName));
        var ex = Should.Throw<InvalidDataException>(
            () => AutoencoderKLConfig.Parse(text.Replace("\"DownEncoderBlock2D\",", "\"AttnDownEncoderBlock2D\",", StringComparison.Ordinal), "vae/config.json"));
        ex.Message.ShouldContain("vae/config.json: $.down_block_types[0] is \"AttnDownEncoderBlock2D\"");
        ex.Message.ShouldContain("only \"DownEncoderBlock2D\"");

        ex = Should.Throw<InvalidDataException>(
            () => AutoencoderKLConfig.Parse(text.Replace("\"UpDecoderBlock2D\"\n", "\"AttnUpDecoderBlock2D\"\n", StringComparison.Ordinal), "vae/config.json"));
        ex.Message.ShouldContain("$.up_block_types[1] is \"AttnUpDecoderBlock2D\"");

        ex = Should.Throw<InvalidDataException>(
            () => AutoencoderKLConfig.Parse(text.Replace("\"silu\"", "\"gelu\"", StringComparison.Ordinal), "vae/config.json"));
        ex.Message.ShouldContain("vae/config.json: $.act_fn is \"gelu\"");

        ex = Should.Throw<InvalidDataException>(
            () => AutoencoderKLConfig.Parse(text.Replace("\"layers_per_block\": 2", "\"layers_per_block\": \"2\"", StringComparison.Ordinal), "vae/config.json"));
        ex.Message.ShouldContain("$.layers_per_block must be an integer");

        ex = Should.Throw<InvalidDataException>(
            () => AutoencoderKLConfig.Parse(text.Replace("\"AutoencoderKL\"", "\"UNet2DConditionModel\"", StringComparison.Ordinal), "vae/config.json"));
        ex.Message.ShouldContain("$._class_name is \"UNet2DConditionModel\"");
    }

    [Fact]
    public void Missing_weights_are_listed_by_name()
    {
        var weights = FixtureFile.Load(Path.Combine(Folder, AutoencoderKL.WeightsFileName));
        var kept = weights.Names
            .Where(n => n != "decoder.mid_block.attentions.0.to_q.weight" && n != "encoder.down_blocks.0.downsamplers.0.conv.bias")
            .ToDictionary(n => n, weights.Tensor);
        var config = AutoencoderKLConfig.Load(Path.Combine(Folder, AutoencoderKL.ConfigFileName));
        var ex = Should.Throw<WeightBindingException>(
            () => AutoencoderKL.Load(config, new DictionaryWeightSource(kept, "vae.safetensors"), TestBackends.Fastest));
        ex.Missing.ShouldBe(["encoder.down_blocks.0.downsamplers.0.conv.bias [32]", "decoder.mid_block.attentions.0.to_q.weight [64, 64]"], ignoreOrder: true);
        ex.Message.ShouldContain("vae.safetensors");

        // The same weights under a prefix, as in a single-file checkpoint, bind with that prefix.
        var prefixed = weights.Names.ToDictionary(n => "vae." + n, weights.Tensor);
        var vae = AutoencoderKL.Load(config, new DictionaryWeightSource(prefixed), TestBackends.Fastest, "vae.");
        UpstreamMatch.ShouldMatch(vae.Decode(Io().Tensor("latent")), Io(), "decode.out");

        Should.Throw<FileNotFoundException>(() => AutoencoderKL.Load(Sd15Fixtures.Folder("clip_text_tiny"), TestBackends.Fastest))
            .Message.ShouldContain(AutoencoderKL.WeightsFileName);
    }

    [Fact]
    public void Without_mid_attention_or_quant_convs_those_weights_are_not_expected()
    {
        var config = AutoencoderKLConfig.Load(Path.Combine(Folder, AutoencoderKL.ConfigFileName))
            with { MidBlockAddAttention = false, UseQuantConv = false, UsePostQuantConv = false };
        var names = new AutoencoderKL(config).NamedParameters().Select(p => p.Key).ToList();
        names.ShouldNotContain(n => n.Contains("attentions", StringComparison.Ordinal) || n.Contains("quant_conv", StringComparison.Ordinal));
        names.ShouldContain("encoder.mid_block.resnets.1.conv2.weight");
        names.ShouldContain("decoder.up_blocks.0.upsamplers.0.conv.weight");
    }

    private static FixtureFile Io() => FixtureFile.Load(Path.Combine(Folder, "io.safetensors"));

    private static FixtureFile Intermediates() => FixtureFile.Load(Path.Combine(Folder, "intermediates.safetensors"));

    private void Stage(TensorView actual, FixtureFile file, string name) => UpstreamMatch.ShouldMatch(actual, file, name, log);

    // Scaling is one multiply-add per element: float32 rounding only.
    private static void ShouldBeClose(TensorView actual, double[] expected)
    {
        float[] got = actual.ToArray();
        got.Length.ShouldBe(expected.Length);
        for (int i = 0; i < got.Length; i++)
        {
            Math.Abs(got[i] - expected[i]).ShouldBeLessThanOrEqualTo(1e-6 * Math.Max(1, Math.Abs(expected[i])), $"element {i}");
        }
    }
}
