using GenPipe.Abstractions.Components;
using GenPipe.Abstractions.Models;
using GenPipe.Core;
using GenPipe.Core.Catalog;
using GenPipe.Core.Operators;
using GenPipe.Diffusion.Tests.Fakes;
using GenPipe.Tensors;
using GenPipe.Testing;
using Microsoft.Extensions.DependencyInjection;
using NSubstitute;
using Shouldly;
using Xunit;

namespace GenPipe.Diffusion.Tests;

/// <summary>One component registered once as an encoder and a decoder: loaded once, leased in either role, scaling its own latents.</summary>
public sealed class SharedAutoencoderTests
{
    private const string Pipeline = """
        {
          "components": {
            "mixture": { "type": "denoiser/gaussian-mixture" },
            "scheduler": { "type": "scheduler/test-ddim" },
            "vae": { "type": "autoencoder/test-scaled" }
          },
          "steps": [
            { "id": "samples", "op": "diffuse", "with": { "denoiser": "mixture", "scheduler": "scheduler" }, "in": { "steps": 3, "count": 4 } },
            { "id": "latents", "op": "encode", "with": { "encoder": "vae" }, "in": { "data": "@samples" } },
            { "id": "decoded", "op": "decode", "with": { "decoder": "vae" }, "in": { "latents": "@latents" } }
          ],
          "outputs": { "samples": "samples", "latents": "latents", "decoded": "decoded" }
        }
        """;

    [Fact]
    public async Task An_autoencoder_serves_encode_and_decode_from_one_load_and_applies_its_own_scaling()
    {
        var create = Substitute.For<Func<ScaledAutoencoder>>();
        create().Returns(_ => new ScaledAutoencoder());
        await using var engine = new PipelineEngine(Catalog(create), new ServiceCollection().BuildServiceProvider());

        var result = await engine.RunAsync(engine.Load(Pipeline, "shared-vae.json", null));

        create.Received(1).Invoke();
        var samples = (Tensor)result.Outputs["samples"];
        var latents = (Tensor)result.Outputs["latents"];
        // raw latent 2x, scaled by the component's own factor 0.25: 0.5x, exactly (powers of two).
        latents.Span.ToArray().ShouldBe(samples.Span.ToArray().Select(v => v * 0.5f).ToArray());
        ((Tensor)result.Outputs["decoded"]).Span.ToArray().ShouldBe(samples.Span.ToArray());
        engine.Pool.Usage.Components.ShouldBe(3, "mixture, scheduler and one autoencoder");
    }

    [Fact]
    public void A_component_in_a_slot_none_of_its_contracts_fits_is_an_error_naming_them_all()
    {
        var create = Substitute.For<Func<ScaledAutoencoder>>();
        using var engine = new PipelineEngine(Catalog(create), new ServiceCollection().BuildServiceProvider());
        string wrong = Pipeline.Replace("\"denoiser\": \"mixture\"", "\"denoiser\": \"vae\"", StringComparison.Ordinal);

        var invalid = Should.Throw<PipelineValidationException>(() => engine.Load(wrong, "shared-vae.json", null));

        invalid.Message.ShouldContain("component 'vae' (autoencoder/test-scaled) is an IEncoder and an IDecoder, but slot 'denoiser' of operator 'diffuse' needs an IDenoiser");
        create.DidNotReceive().Invoke();
    }

    private static ComponentCatalog Catalog(Func<ScaledAutoencoder> create)
    {
        var builder = DiffusionCatalog.Builder();
        var alphas = new GaussianMixtureDenoiser(new GaussianMixtureOptions()).AlphasCumprod.ToArray();
        builder.AddComponent(ComponentDescriptor.Create<IScheduler, NoOptions>("scheduler/test-ddim", "DDIM for tests", _ => new DdimTestScheduler(alphas)), CatalogSource.BuiltIn).ShouldBeNull();
        builder.AddComponent(
            new ComponentDescriptor
            {
                Id = "autoencoder/test-scaled",
                ContractType = typeof(IEncoder),
                AdditionalContracts = [typeof(IDecoder)],
                Description = "x -> 2x raw latents, scaled by its own factor 0.25",
                Factory = (_, _) => ValueTask.FromResult<object>(create()),
            },
            CatalogSource.BuiltIn).ShouldBeNull();
        return builder.Build();
    }

    /// <summary>An autoencoder whose raw latent is 2x and whose scaling factor (its own, as SD's VAE's) is 0.25.</summary>
    public sealed class ScaledAutoencoder : IEncoder, IDecoder
    {
        private const float ScalingFactor = 0.25f;

        public ValueTask<LatentEncoding> EncodeAsync(Tensor data, CancellationToken cancellationToken) =>
            ValueTask.FromResult<LatentEncoding>(new DeterministicLatent(Map(data, v => v * 2 * ScalingFactor)));

        public ValueTask<Tensor> DecodeAsync(Tensor latent, CancellationToken cancellationToken) =>
            ValueTask.FromResult(Map(latent, v => v / ScalingFactor / 2));

        private static Tensor Map(Tensor x, Func<float, float> f) => new([.. x.Span.ToArray().Select(f)], x.GetShape());
    }
}
