using GenPipe.Abstractions.Components;
using GenPipe.Abstractions.Models;
using GenPipe.Abstractions.Operators;
using GenPipe.Core.Operators;
using GenPipe.Diffusion.Tests.Fakes;
using GenPipe.Tensors;
using GenPipe.Testing;
using Shouldly;
using Xunit;

namespace GenPipe.Diffusion.Tests;

public sealed class DecodeAndPluginTests
{
    [Fact]
    public async Task DecodeThroughTheIdentityDecoderReturnsAnEqualCopy()
    {
        var latents = new Tensor([1f, -2f, 3.5f, 4f], 2, 2);
        var context = new FakeOperatorContext(new DecodeOperator()).WithInput("latents", latents).WithComponent("decoder", new IdentityDecoder());

        var decoded = (Tensor)await new DecodeOperator().ExecuteAsync(context, CancellationToken.None);

        decoded.GetShape().ShouldBe([2, 2]);
        decoded.Span.ToArray().ShouldBe([1f, -2f, 3.5f, 4f]);
        decoded.ShouldNotBeSameAs(latents);
    }

    [Fact]
    public void DecodeSignatureNeedsADecoderAndLatents()
    {
        var signature = new DecodeOperator().Signature;

        signature.Name.ShouldBe("decode");
        signature.Components.ShouldHaveSingleItem().ContractType.ShouldBe(typeof(IDecoder));
        signature.Inputs.ShouldHaveSingleItem().ShouldBe(new InputPort("latents", typeof(Tensor), Description: signature.Inputs[0].Description));
        signature.OutputType.ShouldBe(typeof(Tensor));
    }

    [Fact]
    public void BuiltInOperatorsAreConditionEncodeDecodeSamplePriorTheCodeOperatorsLoadImageSaveAndSaveText()
    {
        BuiltInOperators.All.Select(o => o.Signature.Name).ShouldBe(["condition", "encode", "decode", "sample_prior", "encode_codes", "decode_codes", "load_image", "save", "save_text"]);
    }

    [Fact]
    public async Task ThePluginRegistersTheDenoiserAndTheDecoder()
    {
        var builder = RecordingPluginBuilder.Configure(new DiffusionPlugin());

        builder.Components.Select(c => (c.Id, c.ContractType, c.OptionsType, c.RequiresSource)).ShouldBe(
        [
            ("denoiser/gaussian-mixture", typeof(IDenoiser), typeof(GaussianMixtureOptions), false),
            ("denoiser/unet2d-condition", typeof(IDenoiser), typeof(GenPipe.Diffusion.Diffusers.UNetDenoiserOptions), true),
            ("autoencoder/kl", typeof(IEncoder), typeof(GenPipe.Diffusion.Diffusers.KlAutoencoderOptions), true),
            ("autoencoder/vq", typeof(IEncoder), typeof(GenPipe.Diffusion.Diffusers.VqAutoencoderOptions), true),
            ("conditioner/clip-text", typeof(IConditioner), typeof(GenPipe.Diffusion.Diffusers.ClipTextConditionerOptions), true),
            ("decoder/identity", typeof(IDecoder), typeof(NoOptions), false),
        ]);
        builder.Components.ShouldAllBe(c => c.Description.Length > 0);
        builder.Component("autoencoder/kl").Contracts.ShouldBe([typeof(IEncoder), typeof(IDecoder), typeof(IPriorSampler)]);
        builder.Component("autoencoder/vq").Contracts.ShouldBe([typeof(IEncoder), typeof(IDecoder), typeof(IImageTokenizer)]);
        var options = new GaussianMixtureOptions { Means = [[1, 2, 3]], Stds = [0.5] };
        var created = await builder.Components[0].Factory(Activation(options), CancellationToken.None);
        created.ShouldBeOfType<GaussianMixtureDenoiser>().SampleShape.ShouldBe([3]);
        builder.Operators.Select(o => o.Signature.Name).ShouldBe(["diffuse"], "the denoising loop comes with the family, not the host");
        (await builder.Component("decoder/identity").Factory(Activation(new NoOptions()), CancellationToken.None)).ShouldBeOfType<IdentityDecoder>();
    }

    private static ComponentActivationContext Activation(object options) =>
        new() { Name = "c", Options = options, Services = new NoServices() };

    private sealed class NoServices : IServiceProvider
    {
        public object? GetService(Type serviceType) => null;
    }
}
