using GenPipe.Nn.Models.Vae;
using GenPipe.Tensors;
using GenPipe.Testing;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace GenPipe.Nn.Tests.Diffusers;

/// <summary>
/// VQModel against PyTorch's (tools/fixtures/sd_torch.py, diffusers' names and config) on the seeded random weights of
/// tests/Fixtures/digits-vq-random (tools/fixtures/make_digits_vq_refs.py --random): latents before quantization,
/// the nearest codes (exactly), the quantized latents and both decodes, to 1e-4, on the reference and the cpu backends.
/// </summary>
public sealed class VQModelTests(ITestOutputHelper log)
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Fixtures", "digits-vq-random");
    private static readonly FixtureFile Io = FixtureFile.Load(Path.Combine(Folder, "io.safetensors.gz"));

    public static IEnumerable<object[]> Backends() => TestBackends.Names();

    [Fact]
    public void The_fixture_config_reads_as_diffusers_writes_it()
    {
        var config = VQModelConfig.Load(Path.Combine(Folder, VQModel.ConfigFileName));

        config.InChannels.ShouldBe(1);
        config.OutChannels.ShouldBe(1);
        config.BlockOutChannels.ShouldBe([16, 32, 64]);
        config.LayersPerBlock.ShouldBe(1);
        config.LatentChannels.ShouldBe(8);
        config.VqEmbedDim.ShouldBe(8);
        config.NumVqEmbeddings.ShouldBe(256);
        config.NormNumGroups.ShouldBe(8);
        config.NormType.ShouldBe("group");
        config.SampleSize.ShouldBe(28);
        config.ScalingFactor.ShouldBe(1f);
        config.MidBlockAddAttention.ShouldBeFalse();
        config.LookupFromCodebook.ShouldBeFalse();
        config.ForceUpcast.ShouldBeFalse();

        // PyTorch's count for the same config.
        new VQModel(config).ParameterCount().ShouldBe(652_201);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Encoding_quantizing_and_decoding_match_pytorch(string backend)
    {
        using var model = VQModel.Load(Folder, TestBackends.Get(backend));

        var latents = model.Encode(Io.Tensor("images"));
        UpstreamMatch.ShouldMatch(latents, Io, "latents", log);
        var quantized = model.Quantize(latents);
        quantized.Codes.ToArray().ShouldBe(Io.Longs("indices").Select(i => (int)i).ToArray());
        UpstreamMatch.ShouldMatch(quantized.Quantized, Io, "quantized", log);
        UpstreamMatch.ShouldMatch(model.Decode(latents), Io, "decoded", log);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Decoding_codes_looks_them_up_and_matches_pytorch(string backend)
    {
        using var model = VQModel.Load(Folder, TestBackends.Get(backend));

        int[] codes = Io.Longs("indices").Select(i => (int)i).ToArray();
        UpstreamMatch.ShouldMatch(model.DecodeCodes(codes, 8, 7, 7), Io, "decoded_indices", log);
        int[] pattern = Io.Longs("pattern.indices").Select(i => (int)i).ToArray();
        UpstreamMatch.ShouldMatch(model.DecodeCodes(pattern, 2, 7, 7), Io, "pattern.decoded", log);
    }

    [Fact]
    public void The_code_grid_of_a_digit_is_seven_by_seven()
    {
        var model = new VQModel(VQModelConfig.Load(Path.Combine(Folder, VQModel.ConfigFileName)));

        model.LatentSize(28).ShouldBe(7);
        model.PixelsPerLatent.ShouldBe(4);
    }

    [Fact]
    public void Of_equally_near_codebook_vectors_the_lowest_code_wins_as_argmin()
    {
        // Codes 1 and 3 are the same vector and 0 and 2 mirror each other about the origin; latents on the ties.
        var codebook = new Tensor([-1f, 0f, 0f, 2f, 1f, 0f, 0f, 2f], 4, 2);
        var quantizer = new VectorQuantizer(4, 2);
        quantizer.LoadWeights(new DictionaryWeightSource(new Dictionary<string, Tensor> { ["embedding.weight"] = codebook }), TestBackends.Fastest);
        // Four latents [1, 2, 1, 4]: (0, 0) is as near to 0 as to 2; (0, 2) is on 1 and 3; (0.9, 0) is nearest to 2;
        // (-0.1, 1.9) to 1 and 3 alike.
        var latents = new Tensor([0f, 0f, 0.9f, -0.1f, 0f, 2f, 0f, 1.9f], 1, 2, 1, 4);

        var result = quantizer.Forward(latents);

        result.Codes.ToArray().ShouldBe([0, 1, 2, 1]);
        result.Quantized.ToArray().ShouldBe([-1f, 0f, 1f, 0f, 0f, 2f, 0f, 2f]);
    }

    [Fact]
    public void A_code_outside_the_codebook_or_a_wrong_count_is_refused_with_its_position()
    {
        using var model = VQModel.Load(Folder, TestBackends.Fastest);
        int[] codes = new int[2 * 49];
        codes[49 + 10] = 256;

        Should.Throw<ArgumentOutOfRangeException>(() => model.DecodeCodes(codes, 2, 7, 7)).Message.ShouldContain("Code 256 at [1, 1, 3] is outside the codebook's 0 to 255");
        codes[49 + 10] = -1;
        Should.Throw<ArgumentOutOfRangeException>(() => model.DecodeCodes(codes, 2, 7, 7)).Message.ShouldContain("Code -1 at [1, 1, 3]");
        Should.Throw<ArgumentException>(() => model.DecodeCodes(new int[48], 1, 7, 7)).Message.ShouldContain("Expected 1 x 7 x 7 codes; got 48");
        Should.Throw<ArgumentException>(() => model.Quantize(Tensor.Zeros(1, 4, 7, 7))).Message.ShouldContain("[B, 8, h, w]");
    }

    [Fact]
    public void A_spatial_norm_or_another_class_is_refused_naming_the_file_and_key()
    {
        string text = File.ReadAllText(Path.Combine(Folder, VQModel.ConfigFileName));

        var ex = Should.Throw<InvalidDataException>(
            () => VQModelConfig.Parse(text.Replace("\"norm_type\": \"group\"", "\"norm_type\": \"spatial\"", StringComparison.Ordinal), "vqvae/config.json"));
        ex.Message.ShouldContain("vqvae/config.json: $.norm_type is \"spatial\"; only \"group\" is supported");
        ex = Should.Throw<InvalidDataException>(
            () => VQModelConfig.Parse(text.Replace("\"VQModel\"", "\"AutoencoderKL\"", StringComparison.Ordinal), "vqvae/config.json"));
        ex.Message.ShouldContain("$._class_name is \"AutoencoderKL\"");
        ex = Should.Throw<InvalidDataException>(
            () => VQModelConfig.Parse(text.Replace("\"num_vq_embeddings\": 256", "\"num_vq_embeddings\": 0", StringComparison.Ordinal), "vqvae/config.json"));
        ex.Message.ShouldContain("$.num_vq_embeddings is 0");
        ex = Should.Throw<InvalidDataException>(
            () => VQModelConfig.Parse(text.Replace("\"norm_num_groups\": 8", "\"norm_num_groups\": 7", StringComparison.Ordinal), "vqvae/config.json"));
        ex.Message.ShouldContain("vqvae/config.json: $.block_out_channels has 16, which does not divide into norm_num_groups 7");
    }

    [Fact]
    public void Without_vq_embed_dim_the_codebook_is_as_wide_as_the_latents()
    {
        string text = File.ReadAllText(Path.Combine(Folder, VQModel.ConfigFileName))
            .Replace("\"vq_embed_dim\": 8", "\"vq_embed_dim\": null", StringComparison.Ordinal)
            .Replace("\"latent_channels\": 8", "\"latent_channels\": 5", StringComparison.Ordinal);
        var config = VQModelConfig.Parse(text);
        var names = new VQModel(config).NamedParameters().ToDictionary(p => p.Key, p => p.Value.Shape.ToString());

        config.EmbedDim.ShouldBe(5);
        names["quantize.embedding.weight"].ShouldBe(new Dims([256, 5]).ToString());
        names["encoder.conv_out.weight"].ShouldBe(new Dims([5, 64, 3, 3]).ToString());
        names.Keys.ShouldNotContain(n => n.Contains("attentions", StringComparison.Ordinal));
    }

    [Fact]
    public void Missing_unexpected_and_mis_shaped_weights_are_all_listed()
    {
        var weights = FixtureFile.Load(Path.Combine(Folder, VQModel.WeightsFileName));
        var kept = weights.Names.Where(n => n != "quantize.embedding.weight").ToDictionary(n => n, weights.Tensor);
        kept["quant_conv.weight"] = Tensor.Zeros(8, 16, 1, 1);
        kept["quantize.codebook"] = Tensor.Zeros(256, 8);
        var config = VQModelConfig.Load(Path.Combine(Folder, VQModel.ConfigFileName));

        var ex = Should.Throw<WeightBindingException>(() => VQModel.Load(config, new DictionaryWeightSource(kept, "vq.safetensors"), TestBackends.Fastest));

        ex.Missing.ShouldBe(["quantize.embedding.weight [256, 8]"]);
        ex.Unexpected.ShouldBe(["quantize.codebook"]);
        ex.Mismatched.Select(m => m.Name).ShouldBe(["quant_conv.weight"]);
        ex.Message.ShouldContain("vq.safetensors");
        Should.Throw<FileNotFoundException>(() => VQModel.Load(Path.Combine(AppContext.BaseDirectory, "Fixtures", "sd15"), TestBackends.Fastest))
            .Message.ShouldContain("a diffusers VQModel folder holds config.json and diffusion_pytorch_model.safetensors");
    }
}
