using GenPipe.Abstractions.Models;
using GenPipe.Diffusion.Diffusers;
using GenPipe.Tensors;
using GenPipe.Tensors.Backends;
using GenPipe.Testing;
using Shouldly;
using Xunit;

namespace GenPipe.Diffusion.Tests.Diffusers;

/// <summary>
/// The shipped models/digits-ldm, a StableDiffusionPipeline folder, through the SD components: its cut-down CLIP
/// tokenizer gives the ids tools/train/digits_captions.py gives, and the text encoder and the UNet give PyTorch's
/// numbers on the same weights (tools/fixtures/make_digits_ldm_refs.py).
/// </summary>
public sealed class DigitsLdmTests
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "models", "digits-ldm");
    private static readonly FixtureFile Io = FixtureFile.Load(Path.Combine(AppContext.BaseDirectory, "Fixtures", "digits-ldm", "io.safetensors.gz"));
    private static readonly string[] Prompts = ["a seven", "a thick, slanted 3", "", "The number  0, NARROW"];

    [Fact]
    public async Task Prompts_become_pytorchs_16_ids_and_the_text_encoders_hidden_states()
    {
        using var conditioner = ClipTextConditioner.Open("text_encoder", Folder, new ClipTextConditionerOptions(), TensorBackends.Cpu);
        long[] expectedIds = Io.Longs("text.ids");
        for (int i = 0; i < Prompts.Length; i++)
        {
            int[] ids = conditioner.Tokenizer.EncodeForTextEncoder(Prompts[i]);
            ids.Select(id => (long)id).ShouldBe(expectedIds.Skip(i * 16).Take(16), $"prompt '{Prompts[i]}'");
        }

        var conditioning = await conditioner.EncodeAsync(new ConditioningInput(Prompts), CancellationToken.None);

        conditioning.Embeddings.GetShape().ShouldBe([4, 16, 64]);
        ShouldBeClose(conditioning.Embeddings.View.ToArray(), Io.Floats("text.hidden"));
    }

    [Theory]
    [InlineData(10f, "unet.t10")]
    [InlineData(700f, "unet.t700")]
    public async Task The_unet_predicts_pytorchs_noise_on_7x7_latents(float timestep, string expected)
    {
        using var unet = UNetDenoiser.Open("unet", Folder, new UNetDenoiserOptions(), TensorBackends.Cpu);

        var prediction = await unet.PredictAsync(
            new DenoiserInput(Io.Tensor("unet.sample"), timestep, new Conditioning(Io.Tensor("unet.context"))), CancellationToken.None);

        unet.SampleShape.ShouldBe([4, 7, 7], "28 pixels over the VAE's three levels; the UNet's downsampler rounds 7 up to 4");
        UNetDenoiser.PixelsPerLatentOf(Folder, new UNetDenoiserOptions()).ShouldBe(4);
        ShouldBeClose(prediction.View.ToArray(), Io.Floats(expected));
    }

    private static void ShouldBeClose(float[] actual, float[] expected)
    {
        actual.Length.ShouldBe(expected.Length);
        actual.Zip(expected, (a, e) => Math.Abs(a - e)).Max().ShouldBeLessThan(1e-4f);
    }
}
