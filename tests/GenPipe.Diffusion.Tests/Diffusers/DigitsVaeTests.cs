using GenPipe.Abstractions.Models;
using GenPipe.Core.Operators;
using GenPipe.Diffusion.Diffusers;
using GenPipe.Tensors;
using GenPipe.Tensors.Backends;
using GenPipe.Testing;
using Shouldly;
using Xunit;

namespace GenPipe.Diffusion.Tests.Diffusers;

/// <summary>
/// The shipped models/digits-vae through autoencoder/kl: encoding, decoding and prior samples equal PyTorch's on the same
/// weights (tools/fixtures/make_digits_vae_refs.py), in the scaled latent space.
/// </summary>
public sealed class DigitsVaeTests
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "models", "digits-vae");
    private static readonly FixtureFile Io = FixtureFile.Load(Path.Combine(AppContext.BaseDirectory, "Fixtures", "digits-vae", "io.safetensors.gz"));

    [Fact]
    public async Task Encoding_and_decoding_a_held_out_digit_match_pytorch()
    {
        using var vae = KlAutoencoder.Open("vae", Folder, new KlAutoencoderOptions(), TensorBackends.Cpu);

        var encoding = (GaussianLatent)await vae.EncodeAsync(Io.Tensor("images"), CancellationToken.None);
        var reconstruction = await vae.DecodeAsync(encoding.Mean, CancellationToken.None);

        encoding.Mean.GetShape().ShouldBe([8, 4, 7, 7]);
        ShouldBeClose(encoding.Mean.View.ToArray(), Io.Floats("encode.mean"));
        ShouldBeClose(encoding.LogVariance.View.ToArray(), Io.Floats("encode.logvar"));
        reconstruction.GetShape().ShouldBe([8, 1, 28, 28]);
        ShouldBeClose(reconstruction.View.ToArray(), Io.Floats("reconstruction"));
    }

    [Theory]
    [InlineData(1.0, "prior.t1")]
    [InlineData(0.7, "prior.t07")]
    public async Task Prior_samples_at_a_temperature_are_pytorchs_for_the_same_seed(double temperature, string expected)
    {
        using var vae = KlAutoencoder.Open("vae", Folder, new KlAutoencoderOptions(), TensorBackends.Cpu);

        var latents = vae.SamplePrior(8, temperature, new TorchGenerator(0));
        var digits = SaveOperator.UnitRange(await vae.DecodeAsync(latents, CancellationToken.None));

        vae.LatentShape.ShouldBe([4, 7, 7]);
        digits.GetShape().ShouldBe([8, 1, 28, 28]);
        ShouldBeClose(digits.View.ToArray(), Io.Floats(expected));
    }

    [Fact]
    public void The_latent_shape_halves_the_sample_size_at_each_level_of_another_vae()
    {
        // tiny-sd's VAE: 32 pixels over two levels, 16x16 latents (SD 1.5's 512 over four levels gives its 64x64).
        using var vae = KlAutoencoder.Open("vae", Path.Combine(AppContext.BaseDirectory, "models", "tiny-sd"), new KlAutoencoderOptions(), TensorBackends.Cpu);
        int side = vae.Model.Config.SampleSize;
        for (int level = 1; level < vae.Model.Config.BlockOutChannels.Count; level++)
        {
            side /= 2;
        }

        vae.LatentShape.ShouldBe([vae.Model.Config.LatentChannels, side, side]);
    }

    private static void ShouldBeClose(float[] actual, float[] expected)
    {
        actual.Length.ShouldBe(expected.Length);
        actual.Zip(expected, (a, e) => Math.Abs(a - e)).Max().ShouldBeLessThan(1e-4f);
    }
}
