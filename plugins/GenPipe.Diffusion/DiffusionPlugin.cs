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
        // One forward at a time per instance (its buffers), so not ConcurrentUse: the pool serializes steps on it.
        plugin.AddComponent(new ComponentDescriptor
        {
            Id = UNetDenoiser.ComponentId,
            ContractType = typeof(IDenoiser),
            OptionsType = typeof(UNetDenoiserOptions),
            Description = "diffusers UNet2DConditionModel (Stable Diffusion 1.x/2.x) from a model folder (model_index.json), its unet/ folder, or an SD 1.x single-file checkpoint.",
            RequiresSource = true,
            Aliases = ["UNet2DConditionModel"],
            EstimateBytes = context => DiffusersSource.EstimateBytes(
                context.Name, UNetDenoiser.ComponentId, context.SourcePath, "unet", ((UNetDenoiserOptions)context.Options).Variant),
            Factory = (context, cancellationToken) =>
            {
                cancellationToken.ThrowIfCancellationRequested();
                return ValueTask.FromResult<object>(UNetDenoiser.Open(context.Name, context.SourcePath!, (UNetDenoiserOptions)context.Options, context.Backend));
            },
        });
        plugin.AddComponent(new ComponentDescriptor
        {
            Id = KlAutoencoder.ComponentId,
            ContractType = typeof(IEncoder),
            AdditionalContracts = [typeof(IDecoder)],
            OptionsType = typeof(KlAutoencoderOptions),
            Description = "diffusers AutoencoderKL (Stable Diffusion's VAE), encoder and decoder in one, scaling latents by its own scaling_factor; from a model folder, its vae/ folder, or an SD 1.x single-file checkpoint.",
            RequiresSource = true,
            Aliases = ["AutoencoderKL"],
            EstimateBytes = context => DiffusersSource.EstimateBytes(
                context.Name, KlAutoencoder.ComponentId, context.SourcePath, "vae", ((KlAutoencoderOptions)context.Options).Variant),
            Factory = (context, cancellationToken) =>
            {
                cancellationToken.ThrowIfCancellationRequested();
                return ValueTask.FromResult<object>(KlAutoencoder.Open(context.Name, context.SourcePath!, (KlAutoencoderOptions)context.Options, context.Backend));
            },
        });
        plugin.AddComponent(new ComponentDescriptor
        {
            Id = ClipTextConditioner.ComponentId,
            ContractType = typeof(IConditioner),
            OptionsType = typeof(ClipTextConditionerOptions),
            Description = "Stable Diffusion's text conditioning: CLIP tokenizer and transformers CLIPTextModel (hidden states, clip skip, pooled output); from a model folder, or an SD 1.x single-file checkpoint with config_folder.",
            RequiresSource = true,
            Aliases = ["CLIPTextModel"],
            EstimateBytes = context => DiffusersSource.EstimateBytes(
                context.Name, ClipTextConditioner.ComponentId, context.SourcePath, "text_encoder", ((ClipTextConditionerOptions)context.Options).Variant),
            Factory = (context, cancellationToken) =>
            {
                cancellationToken.ThrowIfCancellationRequested();
                return ValueTask.FromResult<object>(ClipTextConditioner.Open(context.Name, context.SourcePath!, (ClipTextConditionerOptions)context.Options, context.Backend));
            },
        });
        plugin.AddComponent(new ComponentDescriptor
        {
            Id = IdentityDecoder.ComponentId,
            ContractType = typeof(IDecoder),
            Description = "Returns its input unchanged: the decoder of models that work in data space.",
            Factory = (_, _) => ValueTask.FromResult<object>(new IdentityDecoder()),
            ConcurrentUse = true,
        });
    }
}
