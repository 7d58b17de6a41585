using GenPipe.Abstractions.Components;
using GenPipe.Abstractions.Models;
using GenPipe.Nn.Checkpoints;
using GenPipe.Nn.Models.UNet2DCondition;
using GenPipe.Tensors;
using GenPipe.Tensors.Backends;

namespace GenPipe.Diffusion.Diffusers;

/// <summary>
/// <c>denoiser/unet2d-condition</c>: diffusers' <c>UNet2DConditionModel</c> (Stable Diffusion 1.x/2.x) as a denoiser,
/// conditioned on a text encoder's hidden states. One call serves a whole batch (guidance's [negative; positive]).
/// </summary>
public sealed class UNetDenoiser : IDenoiser, ILatentImageGeometry, IMemoryFootprint, IDisposable
{
    /// <summary>The component type id.</summary>
    public const string ComponentId = "denoiser/unet2d-condition";

    /// <summary>Pixels per latent of Stable Diffusion's VAE (four levels, three of them downsampling).</summary>
    public const int DefaultPixelsPerLatent = 8;

    private float[] _timesteps = [];

    /// <summary>
    /// Wraps a loaded model whose latents come from a VAE with <paramref name="pixelsPerLatent"/> pixels per latent
    /// (Stable Diffusion's: 8).
    /// </summary>
    public UNetDenoiser(UNet2DConditionModel model, PredictionType predictionType, int pixelsPerLatent = DefaultPixelsPerLatent)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(pixelsPerLatent, 1);
        Model = model;
        PredictionType = predictionType;
        PixelsPerLatent = pixelsPerLatent;
        int size = model.Config.SampleSize ?? 64;
        SampleShape = [model.Config.InChannels, size, size];
    }

    /// <summary>
    /// Loads the UNet of <paramref name="source"/>: a diffusers model folder, its <c>unet/</c> folder, or an original SD
    /// 1.x single-file checkpoint (architecture from <see cref="UNetDenoiserOptions.ConfigFolder"/>, else SD 1.5's).
    /// </summary>
    public static UNetDenoiser Open(string name, string source, UNetDenoiserOptions options, ITensorBackend backend)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!SingleFileSource.IsSingleFile(source))
        {
            return Load(DiffusersSource.ComponentFolder(name, ComponentId, source, "unet", "UNet2DConditionModel"), options, backend);
        }

        var (json, origin) = SingleFileSource.Config("unet", options.ConfigFolder);
        var config = UNet2DConditionConfig.Parse(json, origin);
        int pixelsPerLatent = PixelsPerLatentOf(source, options);
        using var checkpoint = SingleFileCheckpoint.Open(source);
        var model = SingleFileSource.Load(
            () => UNet2DConditionModel.Load(config, checkpoint.UNet(UNetLayout.From(config)), backend), "unet", origin, options.ConfigFolder);
        return new UNetDenoiser(model, options.PredictionType, pixelsPerLatent);
    }

    /// <summary>
    /// Pixels per latent of the VAE that goes with the UNet of <paramref name="source"/>, from configs only: the VAE
    /// beside a <c>unet/</c> folder, the config folder's for a single file, Stable Diffusion's when there is none.
    /// </summary>
    public static int PixelsPerLatentOf(string source, UNetDenoiserOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return SingleFileSource.IsSingleFile(source)
            ? SingleFileSource.PixelsPerLatent(options.ConfigFolder)
            : DiffusersSource.PixelsPerLatent(Path.Combine(DiffusersSource.ComponentFolder("unet", ComponentId, source, "unet", "UNet2DConditionModel"), "..", "vae"));
    }

    /// <summary>
    /// Loads the UNet of <paramref name="folder"/> (a <c>unet/</c> folder) for <paramref name="backend"/>, with the pixels
    /// per latent of the VAE beside it (<c>../vae</c>), else Stable Diffusion's.
    /// </summary>
    public static UNetDenoiser Load(string folder, UNetDenoiserOptions options, ITensorBackend backend)
    {
        ArgumentNullException.ThrowIfNull(options);
        var config = UNet2DConditionConfig.FromFile(Path.Combine(folder, UNet2DConditionModel.ConfigFileName));
        using var weights = WeightFiles.Open(folder, string.IsNullOrEmpty(options.Variant) ? null : options.Variant);
        return new UNetDenoiser(
            UNet2DConditionModel.Load(config, weights, backend), options.PredictionType, DiffusersSource.PixelsPerLatent(Path.Combine(folder, "..", "vae")));
    }

    /// <summary>The network.</summary>
    public UNet2DConditionModel Model { get; }

    /// <inheritdoc />
    public PredictionType PredictionType { get; }

    /// <inheritdoc />
    public IReadOnlyList<int> SampleShape { get; }

    /// <summary>Pixels per latent of the VAE beside this UNet (its folder's <c>vae/</c>), else Stable Diffusion's 8.</summary>
    public int PixelsPerLatent { get; }

    /// <inheritdoc />
    public IReadOnlyList<DeviceMemory> MemoryFootprint =>
        Model.MemoryByDevice().Select(m => new DeviceMemory(m.Device, m.WeightBytes, m.BufferBytes)).ToArray();

    /// <inheritdoc />
    public ValueTask<Tensor> PredictAsync(DenoiserInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        cancellationToken.ThrowIfCancellationRequested();
        var conditioning = input.Conditioning
            ?? throw new InvalidOperationException($"{ComponentId} needs text conditioning (a conditioner's hidden states); bind one to the step.");
        int batch = input.Sample.Dim(0);
        if (conditioning.Embeddings.Dim(0) != batch)
        {
            throw new ArgumentException(
                $"{ComponentId}: the conditioning has {conditioning.Embeddings.Dim(0)} rows for {batch} samples; they must match.");
        }

        if (_timesteps.Length != batch)
        {
            _timesteps = new float[batch];
        }

        Array.Fill(_timesteps, input.Timestep);
        var output = Model.Forward(input.Sample, _timesteps, conditioning.Embeddings);

        // The model's output buffer is reused by its next call; the caller keeps this prediction beyond that.
        return ValueTask.FromResult(new Tensor(output).Clone());
    }

    /// <inheritdoc />
    public void Dispose() => Model.Dispose();
}
