using GenPipe.Abstractions.Components;
using GenPipe.Abstractions.Models;
using GenPipe.Abstractions.Plugins;

namespace GenPipe.Diffusion;

/// <summary>Registers the closed-form diffusion models: <c>denoiser/gaussian-mixture</c> and <c>decoder/identity</c>.</summary>
public sealed class DiffusionPlugin : IGenPipePlugin
{
    /// <inheritdoc />
    public void Configure(IGenPipePluginBuilder plugin)
    {
        ArgumentNullException.ThrowIfNull(plugin);
        plugin.AddComponent(ComponentDescriptor.Create<IDenoiser, GaussianMixtureOptions>(
            GaussianMixtureDenoiser.ComponentId,
            "Exact epsilon-prediction denoiser of a Gaussian mixture (closed form, no weights).",
            options => new GaussianMixtureDenoiser(options)));
        plugin.AddComponent(ComponentDescriptor.Create<IDecoder, NoOptions>(
            IdentityDecoder.ComponentId,
            "Returns its input unchanged: the decoder of models that work in data space.",
            _ => new IdentityDecoder()));
    }
}
