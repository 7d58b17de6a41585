using GenPipe.Abstractions.Models;
using GenPipe.Diffusion.Diffusers;
using GenPipe.Tensors;
using GenPipe.Tensors.Backends;
using GenPipe.Testing;
using Shouldly;
using Xunit;

namespace GenPipe.Diffusion.Tests.Diffusers;

/// <summary>
/// The SD VAE as one encoder-and-decoder component, in the scaled latent space the UNet sees: the fixture's raw
/// numbers times scaling_factor (0.18215) going in, divided by it coming out.
/// </summary>
public sealed class KlAutoencoderTests
{
    private const float Scale = 0.18215f;
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Fixtures", "sd15", "vae_kl_tiny");
    private static readonly FixtureFile Io = FixtureFile.Load(Path.Combine(Folder, "io.safetensors"));

    [Fact]
    public async Task Encoding_gives_the_scaled_posterior_and_its_sample_is_the_scaled_raw_sample()
    {
        using var vae = KlAutoencoder.Open("vae", Folder, new KlAutoencoderOptions(), TensorBackends.Cpu);

        var encoding = (GaussianLatent)await vae.EncodeAsync(Io.Tensor("image"), CancellationToken.None);

        ShouldBeClose(encoding.Mean.View.ToArray(), Io.Floats("encode.mean").Select(v => v * Scale).ToArray());
        var sample = encoding.Sample(new FixedNoise(Io.Tensor("encode.sample_noise")));
        ShouldBeClose(sample.View.ToArray(), Io.Floats("encode.sample").Select(v => v * Scale).ToArray());
    }

    [Fact]
    public async Task Decoding_scaled_latents_gives_the_fixture_image()
    {
        using var vae = KlAutoencoder.Open("vae", Folder, new KlAutoencoderOptions(), TensorBackends.Cpu);
        var scaled = new Tensor(Io.Floats("latent").Select(v => v * Scale).ToArray(), Io.Shape("latent"));

        var image = await vae.DecodeAsync(scaled, CancellationToken.None);

        image.GetShape().ShouldBe([1, 3, 32, 32]);
        ShouldBeClose(image.View.ToArray(), Io.Floats("decode.out"));
        vae.MemoryFootprint.ShouldHaveSingleItem().WeightBytes.ShouldBeGreaterThan(843_847L * 4);
    }

    private static void ShouldBeClose(float[] actual, float[] expected) =>
        actual.Zip(expected, (a, e) => Math.Abs(a - e)).Max().ShouldBeLessThan(1e-4f);

    // Hands out the fixture's noise, as diffusers' generator drew it.
    private sealed class FixedNoise(Tensor noise) : IRandomSource
    {
        public Tensor Randn(params int[] shape)
        {
            shape.ShouldBe(noise.GetShape());
            return noise;
        }

        public double NextDouble() => throw new NotSupportedException();
    }
}
