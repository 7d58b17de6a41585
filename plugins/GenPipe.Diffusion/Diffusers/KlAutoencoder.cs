using GenPipe.Abstractions.Components;
using GenPipe.Abstractions.Models;
using GenPipe.Nn.Checkpoints;
using GenPipe.Nn.Models.Vae;
using GenPipe.Tensors;
using GenPipe.Tensors.Backends;

namespace GenPipe.Diffusion.Diffusers;

/// <summary>
/// <c>autoencoder/kl</c>: diffusers' <c>AutoencoderKL</c> (Stable Diffusion's VAE) as one component serving both
/// contracts, an encoder and a decoder. Its latents are the scaled ones the UNet sees: encoding applies
/// <c>(z - shift_factor) * scaling_factor</c> and decoding undoes it, from the VAE's own config, so pipeline authors never
/// handle the factor. Images are [-1, 1].
/// </summary>
public sealed class KlAutoencoder : IEncoder, IDecoder, IMemoryFootprint, IDisposable
{
    /// <summary>The component type id.</summary>
    public const string ComponentId = "autoencoder/kl";

    /// <summary>Wraps a loaded model.</summary>
    public KlAutoencoder(AutoencoderKL model)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
    }

    /// <summary>The network.</summary>
    public AutoencoderKL Model { get; }

    /// <inheritdoc />
    public IReadOnlyList<DeviceMemory> MemoryFootprint =>
        Model.MemoryByDevice().Select(m => new DeviceMemory(m.Device, m.WeightBytes, m.BufferBytes)).ToArray();

    /// <summary>Loads the VAE of <paramref name="source"/>: a model folder, its <c>vae/</c> folder, or an SD 1.x single-file checkpoint.</summary>
    public static KlAutoencoder Open(string name, string source, KlAutoencoderOptions options, ITensorBackend backend)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (SingleFileSource.IsSingleFile(source))
        {
            var (json, origin) = SingleFileSource.Config("vae", options.ConfigFolder);
            var config = AutoencoderKLConfig.Parse(json, origin);
            using var checkpoint = SingleFileCheckpoint.Open(source);
            return new KlAutoencoder(SingleFileSource.Load(
                () => AutoencoderKL.Load(config, checkpoint.Vae(config.BlockOutChannels.Count), backend), "vae", origin, options.ConfigFolder));
        }

        string folder = DiffusersSource.ComponentFolder(name, ComponentId, source, "vae", "AutoencoderKL");
        var folderConfig = AutoencoderKLConfig.Load(Path.Combine(folder, AutoencoderKL.ConfigFileName));
        using var weights = WeightFiles.Open(folder, string.IsNullOrEmpty(options.Variant) ? null : options.Variant);
        return new KlAutoencoder(AutoencoderKL.Load(folderConfig, weights, backend));
    }

    /// <summary>
    /// The posterior of the scaled latents: mean <c>(mean - shift) * scale</c> and log-variance
    /// <c>logvar + 2 ln scale</c>, so that a sample is the scaled sample of the raw posterior.
    /// </summary>
    public ValueTask<LatentEncoding> EncodeAsync(Tensor data, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(data);
        cancellationToken.ThrowIfCancellationRequested();
        var posterior = Model.Encode(data);
        float scale = Model.ScalingFactor, shift = Model.ShiftFactor ?? 0f;
        float[] mean = posterior.Mean.ToArray();
        float[] logVariance = posterior.LogVar.ToArray();
        float logScale = 2f * MathF.Log(scale);
        for (int i = 0; i < mean.Length; i++)
        {
            mean[i] = (mean[i] - shift) * scale;
            logVariance[i] += logScale;
        }

        int[] shape = posterior.Mean.Shape.ToArray();
        return ValueTask.FromResult<LatentEncoding>(new GaussianLatent(new Tensor(mean, shape), new Tensor(logVariance, shape)));
    }

    /// <summary>Scaled latents to images in [-1, 1] (the VAE's output, not clamped).</summary>
    public ValueTask<Tensor> DecodeAsync(Tensor latent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(latent);
        cancellationToken.ThrowIfCancellationRequested();
        var image = Model.Decode(Model.UnscaleLatents(latent));

        // The model's buffers are reused by its next call; the image outlives that.
        return ValueTask.FromResult(new Tensor(image).Clone());
    }

    /// <inheritdoc />
    public void Dispose() => Model.Dispose();
}
