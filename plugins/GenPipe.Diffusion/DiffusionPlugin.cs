using GenPipe.Abstractions.Components;
using GenPipe.Abstractions.Models;
using GenPipe.Abstractions.Plugins;
using GenPipe.Diffusion.Diffuse;
using GenPipe.Diffusion.Diffusers;

namespace GenPipe.Diffusion;

/// <summary>
/// The diffusion family: the <c>diffuse</c> operator (the denoising loop, guidance, image-to-image and inpainting) and
/// the closed-form models <c>denoiser/gaussian-mixture</c> and <c>decoder/identity</c>.
/// </summary>
public sealed class DiffusionPlugin : IGenPipePlugin
{
    /// <inheritdoc />
    public void Configure(IGenPipePluginBuilder plugin)
    {
        ArgumentNullException.ThrowIfNull(plugin);
        plugin.AddOperator(new DiffuseOperator());
        // Both only read what they were built with, so one instance serves concurrent runs.
        plugin.AddComponent(new ComponentDescriptor
        {
            Id = GaussianMixtureDenoiser.ComponentId,
            ContractType = typeof(IDenoiser),
            OptionsType = typeof(GaussianMixtureOptions),
            Description = "Exact epsilon-prediction denoiser of a Gaussian mixture (closed form, no weights).",
            Factory = (context, _) => ValueTask.FromResult<object>(new GaussianMixtureDenoiser((GaussianMixtureOptions)context.Options)),
            ConcurrentUse = true,
        });
        // The diffusers-architecture models: one forward at a time per instance (their buffers), so not
        // ConcurrentUse: the pool serializes steps on each.
        plugin.AddComponent(Diffusers<UNetDenoiserOptions>(
            UNetDenoiser.ComponentId, [typeof(IDenoiser)], "UNet2DConditionModel", "unet", o => o.Variant, UNetDenoiser.Open,
            "diffusers UNet2DConditionModel (Stable Diffusion 1.x/2.x) from a model folder (model_index.json), its unet/ folder, or an SD 1.x single-file checkpoint."));
        plugin.AddComponent(Diffusers<KlAutoencoderOptions>(
            KlAutoencoder.ComponentId, [typeof(IEncoder), typeof(IDecoder), typeof(IPriorSampler)], "AutoencoderKL", "vae", o => o.Variant, KlAutoencoder.Open,
            "diffusers AutoencoderKL (Stable Diffusion's VAE), encoder, decoder and prior sampler in one, scaling latents by its own scaling_factor; from a model folder, its vae/ folder, or an SD 1.x single-file checkpoint."));
        plugin.AddComponent(Diffusers<VqAutoencoderOptions>(
            VqAutoencoder.ComponentId, [typeof(IEncoder), typeof(IDecoder), typeof(IImageTokenizer)], "VQModel", "vqvae", o => o.Variant, VqAutoencoder.Open,
            "diffusers VQModel: encoder (latents before quantization), decoder (nearest codebook vectors, then the decoder) and image tokenizer (images to codes and back) in one; from its folder or a model folder's vqvae/."));
        plugin.AddComponent(Diffusers<ClipTextConditionerOptions>(
            ClipTextConditioner.ComponentId, [typeof(IConditioner)], "CLIPTextModel", "text_encoder", o => o.Variant, ClipTextConditioner.Open,
            "Stable Diffusion's text conditioning: CLIP tokenizer and transformers CLIPTextModel (hidden states, clip skip, pooled output); from a model folder, or an SD 1.x single-file checkpoint with config_folder."));
        plugin.AddComponent(new ComponentDescriptor
        {
            Id = IdentityDecoder.ComponentId,
            ContractType = typeof(IDecoder),
            Description = "Returns its input unchanged: the decoder of models that work in data space.",
            Factory = (_, _) => ValueTask.FromResult<object>(new IdentityDecoder()),
            ConcurrentUse = true,
        });
    }

    // A component loaded from a diffusers folder or a single-file checkpoint by `open`, sized beforehand from the
    // weights of its role (unet, vae, text_encoder) in the source.
    private static ComponentDescriptor Diffusers<TOptions>(
        string id,
        Type[] contracts,
        string diffusersClass,
        string role,
        Func<TOptions, string> variant,
        Func<string, string, TOptions, GenPipe.Tensors.Backends.ITensorBackend, object> open,
        string description)
        where TOptions : class => new()
    {
        Id = id,
        ContractType = contracts[0],
        AdditionalContracts = contracts[1..],
        OptionsType = typeof(TOptions),
        Description = description,
        RequiresSource = true,
        Aliases = [diffusersClass],
        EstimateBytes = context => DiffusersSource.EstimateBytes(context.Name, id, context.SourcePath, role, variant((TOptions)context.Options)),
        Factory = (context, cancellationToken) =>
        {
            cancellationToken.ThrowIfCancellationRequested();
            return ValueTask.FromResult(open(context.Name, context.SourcePath!, (TOptions)context.Options, context.Backend));
        },
    };
}
