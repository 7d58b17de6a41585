using GenPipe.Abstractions.Components;
using GenPipe.Abstractions.Models;
using GenPipe.Nn.Checkpoints;
using GenPipe.Nn.Models.Vae;
using GenPipe.Tensors;
using GenPipe.Tensors.Backends;

namespace GenPipe.Diffusion.Diffusers;

/// <summary>
/// <c>autoencoder/vq</c>: diffusers' <c>VQModel</c> as one component serving three contracts. As an encoder it gives
/// the latents before quantization (deterministic, as <c>VQModel.encode</c>); as a decoder it quantizes latents to
/// their nearest codebook vectors and decodes them (as <c>VQModel.decode</c>); as an image tokenizer it turns images
/// into codes and codes into images (<see cref="ImageCodes"/>). Latents are not scaled: diffusers' VQ pipelines do not
/// apply the config's <c>scaling_factor</c> either. Images are [-1, 1].
/// </summary>
public sealed class VqAutoencoder : IEncoder, IDecoder, IImageTokenizer, IMemoryFootprint, IDisposable
{
    /// <summary>The component type id.</summary>
    public const string ComponentId = "autoencoder/vq";

    /// <summary>Wraps a loaded model.</summary>
    public VqAutoencoder(VQModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
        int side = model.LatentSize(model.Config.SampleSize);
        CodeGridShape = (side, side);
    }

    /// <summary>The network.</summary>
    public VQModel Model { get; }

    /// <inheritdoc />
    public int CodebookSize => Model.Config.NumVqEmbeddings;

    /// <summary>The code grid of an image of the config's <c>sample_size</c> (28 pixels over three levels: 7 x 7).</summary>
    public (int Height, int Width) CodeGridShape { get; }

    /// <inheritdoc />
    public IReadOnlyList<DeviceMemory> MemoryFootprint =>
        Model.MemoryByDevice().Select(m => new DeviceMemory(m.Device, m.WeightBytes, m.BufferBytes)).ToArray();

    /// <summary>Loads the <c>VQModel</c> of <paramref name="source"/>: its own folder, or a model folder's <c>vqvae/</c>.</summary>
    public static VqAutoencoder Open(string name, string source, VqAutoencoderOptions options, ITensorBackend backend)
    {
        ArgumentNullException.ThrowIfNull(options);
        string folder = DiffusersSource.ComponentFolder(name, ComponentId, source, "vqvae", nameof(VQModel));
        var config = VQModelConfig.Load(Path.Combine(folder, VQModel.ConfigFileName));
        using var weights = WeightFiles.Open(folder, string.IsNullOrEmpty(options.Variant) ? null : options.Variant);
        return new VqAutoencoder(VQModel.Load(config, weights, backend));
    }

    /// <summary>The latents before quantization [N, codebook width, h, w], as a <see cref="DeterministicLatent"/>.</summary>
    public ValueTask<LatentEncoding> EncodeAsync(Tensor data, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(data);
        cancellationToken.ThrowIfCancellationRequested();

        // The model's buffers are reused by its next call; the latents outlive that.
        return ValueTask.FromResult<LatentEncoding>(new DeterministicLatent(new Tensor(Model.Encode(data)).Clone()));
    }

    /// <summary>Latents to images in [-1, 1] (not clamped): each latent replaced by its nearest codebook vector, then decoded.</summary>
    public ValueTask<Tensor> DecodeAsync(Tensor latent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(latent);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(new Tensor(Model.Decode(latent)).Clone());
    }

    /// <inheritdoc />
    public ValueTask<Tensor> EncodeToCodesAsync(Tensor images, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(images);
        cancellationToken.ThrowIfCancellationRequested();
        var quantized = Model.Quantize(Model.Encode(images));
        return ValueTask.FromResult(ImageCodes.ToTensor(quantized.Codes.Span, images.Dim(0)));
    }

    /// <inheritdoc />
    public ValueTask<Tensor> DecodeCodesAsync(Tensor codes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(codes);
        cancellationToken.ThrowIfCancellationRequested();
        var (ids, batch, height, width) = ImageCodes.Read(codes, CodebookSize, CodeGridShape);
        return ValueTask.FromResult(new Tensor(Model.DecodeCodes(ids, batch, height, width)).Clone());
    }

    /// <inheritdoc />
    public void Dispose() => Model.Dispose();
}
