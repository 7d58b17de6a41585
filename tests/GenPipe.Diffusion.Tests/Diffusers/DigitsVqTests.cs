using GenPipe.Abstractions.Models;
using GenPipe.Diffusion.Diffusers;
using GenPipe.Tensors.Backends;
using GenPipe.Testing;
using Shouldly;
using Xunit;

namespace GenPipe.Diffusion.Tests.Diffusers;

/// <summary>
/// The shipped models/digits-vq through autoencoder/vq: held-out digits become PyTorch's codes exactly, and codes and
/// latents decode to its images within 1e-4 (tools/fixtures/make_digits_vq_refs.py on the shipped weights).
/// </summary>
public sealed class DigitsVqTests
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "models", "digits-vq");
    private static readonly FixtureFile Io = FixtureFile.Load(Path.Combine(AppContext.BaseDirectory, "Fixtures", "digits-vq", "io.safetensors.gz"));

    [Fact]
    public async Task Held_out_digits_become_pytorchs_codes_and_decode_to_its_images()
    {
        using var vq = VqAutoencoder.Open("vq", Folder, new VqAutoencoderOptions(), TensorBackends.Cpu);
        IImageTokenizer tokenizer = vq;

        var codes = await tokenizer.EncodeToCodesAsync(Io.Tensor("images"), CancellationToken.None);
        var fromCodes = await tokenizer.DecodeCodesAsync(codes, CancellationToken.None);
        var latents = ((DeterministicLatent)await vq.EncodeAsync(Io.Tensor("images"), CancellationToken.None)).Latent;
        var fromLatents = await vq.DecodeAsync(latents, CancellationToken.None);

        codes.GetShape().ShouldBe([8, 49]);
        codes.View.ToArray().ShouldBe(Io.Longs("indices").Select(i => (float)i).ToArray());
        ShouldBeClose(latents.View.ToArray(), Io.Floats("latents"));
        ShouldBeClose(fromCodes.View.ToArray(), Io.Floats("decoded_indices"));
        ShouldBeClose(fromLatents.View.ToArray(), Io.Floats("decoded"));
    }

    private static void ShouldBeClose(float[] actual, float[] expected)
    {
        actual.Length.ShouldBe(expected.Length);
        actual.Zip(expected, (a, e) => Math.Abs(a - e)).Max().ShouldBeLessThan(1e-4f);
    }
}
