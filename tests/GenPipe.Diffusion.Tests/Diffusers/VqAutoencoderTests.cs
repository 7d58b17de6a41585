using GenPipe.Abstractions.Models;
using GenPipe.Diffusion.Diffusers;
using GenPipe.Tensors;
using GenPipe.Tensors.Backends;
using GenPipe.Testing;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace GenPipe.Diffusion.Tests.Diffusers;

/// <summary>
/// autoencoder/vq on the seeded random VQModel of tests/Fixtures/digits-vq-random, through its three contracts: what
/// PyTorch computes on the same weights (tools/fixtures/make_digits_vq_refs.py --random), codes exactly, images to 1e-4.
/// </summary>
public sealed class VqAutoencoderTests
{
    internal static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Fixtures", "digits-vq-random");
    private static readonly FixtureFile Io = FixtureFile.Load(Path.Combine(Folder, "io.safetensors.gz"));

    [Fact]
    public async Task The_encoder_gives_the_latents_before_quantization_and_the_decoder_quantizes_them()
    {
        using var vq = VqAutoencoder.Open("vq", Folder, new VqAutoencoderOptions(), TensorBackends.Cpu);

        var encoding = await vq.EncodeAsync(Io.Tensor("images"), CancellationToken.None);
        var latents = encoding.ShouldBeOfType<DeterministicLatent>().Latent;
        var images = await vq.DecodeAsync(latents, CancellationToken.None);

        latents.GetShape().ShouldBe([8, 8, 7, 7]);
        ShouldBeClose(latents, "latents");
        images.GetShape().ShouldBe([8, 1, 28, 28]);
        ShouldBeClose(images, "decoded");
        encoding.Sample(new TorchGenerator(3)).ShouldBeSameAs(latents, "encoding is deterministic");
    }

    [Fact]
    public async Task Images_become_pytorchs_codes_and_codes_become_its_images()
    {
        using var vq = VqAutoencoder.Open("vq", Folder, new VqAutoencoderOptions(), TensorBackends.Cpu);
        IImageTokenizer tokenizer = vq;

        var codes = await tokenizer.EncodeToCodesAsync(Io.Tensor("images"), CancellationToken.None);
        var images = await tokenizer.DecodeCodesAsync(codes, CancellationToken.None);

        tokenizer.CodebookSize.ShouldBe(256);
        tokenizer.CodeGridShape.ShouldBe((7, 7));
        codes.GetShape().ShouldBe([8, 49]);
        codes.View.ToArray().ShouldBe(Io.Longs("indices").Select(i => (float)i).ToArray());
        ShouldBeClose(images, "decoded_indices");
    }

    [Fact]
    public async Task Codes_on_an_explicit_grid_decode_too()
    {
        using var vq = VqAutoencoder.Open("vq", Folder, new VqAutoencoderOptions(), TensorBackends.Cpu);
        var pattern = new Tensor(Io.Longs("pattern.indices").Select(i => (float)i).ToArray(), 2, 7, 7);

        var flat = await vq.DecodeCodesAsync(pattern.Reshape(2, 49), CancellationToken.None);
        var grid = await vq.DecodeCodesAsync(pattern, CancellationToken.None);

        ShouldBeClose(flat, "pattern.decoded");
        ShouldBeClose(grid, "pattern.decoded");
    }

    [Theory]
    [InlineData(256f, "codes[0, 5] is 256; codes are whole numbers from 0 to 255 (the codebook has 256)")]
    [InlineData(-1f, "codes[0, 5] is -1")]
    [InlineData(2.5f, "codes[0, 5] is 2.5")]
    [InlineData(float.NaN, "codes[0, 5] is NaN")]
    public async Task A_code_that_is_no_codebook_entry_is_refused_with_its_position(float code, string message)
    {
        using var vq = VqAutoencoder.Open("vq", Folder, new VqAutoencoderOptions(), TensorBackends.Cpu);
        var codes = Tensor.Zeros(1, 49);
        codes.Span[5] = code;

        var ex = await Should.ThrowAsync<ArgumentException>(async () => await vq.DecodeCodesAsync(codes, CancellationToken.None));

        ex.Message.ShouldContain(message);
    }

    [Fact]
    public async Task Codes_of_the_wrong_length_or_rank_are_refused()
    {
        using var vq = VqAutoencoder.Open("vq", Folder, new VqAutoencoderOptions(), TensorBackends.Cpu);

        (await Should.ThrowAsync<ArgumentException>(async () => await vq.DecodeCodesAsync(Tensor.Zeros(2, 48), CancellationToken.None)))
            .Message.ShouldContain("codes [2, 48] have 48 per image; this tokenizer's 7 x 7 grid takes 49");
        (await Should.ThrowAsync<ArgumentException>(async () => await vq.DecodeCodesAsync(Tensor.Zeros(49), CancellationToken.None)))
            .Message.ShouldContain("must be [N, 49]");
    }

    [Fact]
    public void A_folder_that_is_no_vq_model_is_refused_by_its_config()
    {
        string kl = Path.Combine(AppContext.BaseDirectory, "models", "digits-vae");

        Should.Throw<InvalidDataException>(() => VqAutoencoder.Open("vq", kl, new VqAutoencoderOptions(), TensorBackends.Cpu))
            .Message.ShouldContain("$._class_name is \"AutoencoderKL\"; this reader takes a \"VQModel\" config.");
    }

    private static void ShouldBeClose(Tensor actual, string expected)
    {
        var want = Io.Floats(expected);
        var got = actual.View.ToArray();
        got.Length.ShouldBe(want.Length);
        got.Zip(want, (a, e) => Math.Abs(a - e)).Max().ShouldBeLessThan(1e-4f);
    }
}

/// <summary>The shared encoder checks on autoencoder/vq (digits of 28 x 28 to [8, 7, 7] latents).</summary>
public sealed class VqAutoencoderEncoderConformance(ITestOutputHelper output) : EncoderConformance(output)
{
    protected override IEncoder Create() => VqAutoencoder.Open("vq", VqAutoencoderTests.Folder, new VqAutoencoderOptions(), TensorBackends.Cpu);

    protected override IReadOnlyList<int> DataShape => [1, 28, 28];

    protected override IReadOnlyList<int>? LatentShape => [8, 7, 7];

    protected override double Tolerance => 1e-5;
}

/// <summary>The shared decoder checks on autoencoder/vq (quantization included).</summary>
public sealed class VqAutoencoderDecoderConformance(ITestOutputHelper output) : DecoderConformance(output)
{
    protected override IDecoder Create() => VqAutoencoder.Open("vq", VqAutoencoderTests.Folder, new VqAutoencoderOptions(), TensorBackends.Cpu);

    protected override IReadOnlyList<int> LatentShape => [8, 7, 7];

    protected override IReadOnlyList<int>? DataShape => [1, 28, 28];

    protected override double Tolerance => 1e-5;
}
