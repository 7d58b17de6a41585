using GenPipe.Abstractions.Models;
using GenPipe.Testing;
using Xunit.Abstractions;

namespace GenPipe.Diffusion.Tests;

/// <summary>
/// The denoiser conformance facts for <c>denoiser/gaussian-mixture</c>: a three-component mixture in two dimensions,
/// at the ends and the middle of the training schedule and at a fractional timestep (k-diffusion schedulers ask for those).
/// </summary>
public sealed class GaussianMixtureDenoiserConformance(ITestOutputHelper output) : DenoiserConformance(output)
{
    private static readonly GaussianMixtureOptions Options = new()
    {
        Means = [[-4, 0], [4, 1], [0, 5]],
        Stds = [0.5, 1.0, 0.25],
        Weights = [0.2, 0.5, 0.3],
    };

    protected override IDenoiser Create() => new GaussianMixtureDenoiser(Options);

    protected override IReadOnlyList<float> Timesteps => [999f, 500f, 250.5f, 0f];

    // What the plugin registers, so the check follows the descriptor if the flag ever changes.
    protected override bool ConcurrentUse =>
        RecordingPluginBuilder.Configure(new DiffusionPlugin()).Component(GaussianMixtureDenoiser.ComponentId).ConcurrentUse;
}

/// <summary>The decoder conformance facts for <c>decoder/identity</c>, whose output must have the latent's shape.</summary>
public sealed class IdentityDecoderConformance(ITestOutputHelper output) : DecoderConformance(output)
{
    protected override IDecoder Create() => new IdentityDecoder();

    protected override IReadOnlyList<int> LatentShape => [3, 2];

    protected override IReadOnlyList<int>? DataShape => [3, 2];

    protected override bool ConcurrentUse =>
        RecordingPluginBuilder.Configure(new DiffusionPlugin()).Component(IdentityDecoder.ComponentId).ConcurrentUse;
}
