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
/// handle the factor. Images are [-1, 1]. Large images are encoded and decoded tile by tile and batches one image at a
/// time as its options ask (<see cref="KlAutoencoderOptions.Tiling"/>, <see cref="KlAutoencoderOptions.Slicing"/>).
/// As a prior sampler it draws the VAE's N(0, I) latents at its config's <c>sample_size</c>, scaled as encoding scales.
/// </summary>
public sealed class KlAutoencoder : IEncoder, IDecoder, IPriorSampler, IMemoryFootprint, IDisposable
{
    /// <summary>The component type id.</summary>
    public const string ComponentId = "autoencoder/kl";

    /// <summary>
    /// Images of at most this many pixels (512 x 512) are never tiled with <c>auto</c>: their activations are small and
    /// the untiled result is exact. Above it, <c>auto</c> tiles as <c>on</c> does.
    /// </summary>
    public const long AutoTilingMinPixels = 512 * 512;

    /// <summary>Wraps a loaded model, tiling and slicing as <paramref name="options"/> say (the defaults when null).</summary>
    /// <exception cref="ArgumentException">The tile size does not fit the VAE; the message names the option.</exception>
    public KlAutoencoder(AutoencoderKL model, KlAutoencoderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new KlAutoencoderOptions();
        Model = model;
        Tiling = options.Tiling;
        TileSize = options.TileSize == 0 ? model.DefaultTileSize : options.TileSize;
        if (TileSize % model.TileSizeMultiple != 0)
        {
            throw new ArgumentException(
                $"{ComponentId}: options.tile_size is {options.TileSize}; this VAE ({model.PixelsPerLatent} pixels per latent) needs a multiple of {model.TileSizeMultiple}, e.g. {model.DefaultTileSize} (0 picks it).",
                nameof(options));
        }

        model.Slicing = options.Slicing;
        model.ImageNormStatistics = options.ImageNorms;
    }

    /// <summary>The network.</summary>
    public AutoencoderKL Model { get; }

    /// <summary>When images are tiled (the <c>tiling</c> option).</summary>
    public KlAutoencoderTiling Tiling { get; }

    /// <summary>The tile side in pixels (the <c>tile_size</c> option, or the VAE's default).</summary>
    public int TileSize { get; }

    /// <summary>
    /// Whether an image of <paramref name="height"/> x <paramref name="width"/> pixels is encoded or decoded in tiles:
    /// with <c>on</c> when it is larger than a tile on a side; with <c>auto</c> too, unless it has at most
    /// <see cref="AutoTilingMinPixels"/> pixels; never with <c>off</c>.
    /// </summary>
    public bool Tiles(int height, int width)
    {
        bool larger = height > TileSize || width > TileSize;
        return Tiling switch
        {
            KlAutoencoderTiling.On => larger,
            KlAutoencoderTiling.Auto => larger && (long)height * width > AutoTilingMinPixels,
            _ => false,
        };
    }

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
                () => AutoencoderKL.Load(config, checkpoint.Vae(config.BlockOutChannels.Count), backend), "vae", origin, options.ConfigFolder), options);
        }

        string folder = DiffusersSource.ComponentFolder(name, ComponentId, source, "vae", "AutoencoderKL");
        var folderConfig = AutoencoderKLConfig.Load(Path.Combine(folder, AutoencoderKL.ConfigFileName));
        using var weights = WeightFiles.Open(folder, string.IsNullOrEmpty(options.Variant) ? null : options.Variant);
        return new KlAutoencoder(AutoencoderKL.Load(folderConfig, weights, backend), options);
    }

    /// <summary>
    /// The posterior of the scaled latents: mean <c>(mean - shift) * scale</c> and log-variance
    /// <c>logvar + 2 ln scale</c>, so that a sample is the scaled sample of the raw posterior.
    /// </summary>
    public ValueTask<LatentEncoding> EncodeAsync(Tensor data, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(data);
        cancellationToken.ThrowIfCancellationRequested();
        UseTilesFor(data, 1);
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

    /// <summary>
    /// [latent_channels, h, w] for an image of the config's <c>sample_size</c>: each level's stride-2 convolution after
    /// diffusers' (0, 1) padding takes a side s to (s - 2) / 2 + 1 (28 -> 14 -> 7; 512 -> 64 for Stable Diffusion).
    /// </summary>
    public IReadOnlyList<int> LatentShape
    {
        get
        {
            int side = Model.Config.SampleSize;
            for (int level = 1; level < Model.Config.BlockOutChannels.Count; level++)
            {
                side = ((side - 2) / 2) + 1;
            }

            return [Model.Config.LatentChannels, side, side];
        }
    }

    /// <summary>
    /// The prior N(0, I) of the raw latents at <paramref name="temperature"/>, in the scaled space the decoder takes:
    /// <c>(temperature * randn - shift_factor) * scaling_factor</c>, so decoding gives the VAE's image of
    /// <c>temperature * randn</c>.
    /// </summary>
    public Tensor SamplePrior(int count, double temperature, IRandomSource random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(temperature);
        ArgumentNullException.ThrowIfNull(random);
        var noise = random.Randn([count, .. LatentShape]);
        float t = (float)temperature, scale = Model.ScalingFactor, shift = Model.ShiftFactor ?? 0f;
        var values = noise.Span;
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = ((t * values[i]) - shift) * scale;
        }

        return noise;
    }

    /// <summary>Scaled latents to images in [-1, 1] (the VAE's output, not clamped).</summary>
    public ValueTask<Tensor> DecodeAsync(Tensor latent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(latent);
        cancellationToken.ThrowIfCancellationRequested();
        UseTilesFor(latent, Model.PixelsPerLatent);
        var image = Model.Decode(Model.UnscaleLatents(latent));

        // The model's buffers are reused by its next call; the image outlives that.
        return ValueTask.FromResult(new Tensor(image).Clone());
    }

    /// <inheritdoc />
    public void Dispose() => Model.Dispose();

    // The model tiles when its tile size is set; auto decides per image. input is [B, C, h, w] with scale pixels per
    // element (the model refuses other ranks).
    private void UseTilesFor(Tensor input, int scale) =>
        Model.TileSize = input.Rank == 4 && Tiles(input.Dim(2) * scale, input.Dim(3) * scale) ? TileSize : null;
}
