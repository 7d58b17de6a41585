using GenPipe.Nn.Layers;
using GenPipe.Tensors;
using GenPipe.Tensors.Backends;
using GenPipe.Tensors.SafeTensors;

namespace GenPipe.Nn.Models.Vae;

/// <summary>
/// The vector-quantized image autoencoder, with the structure and parameter names of diffusers' <c>VQModel</c> (group
/// norms): <c>encoder</c> (<see cref="Vae.Encoder"/> without <c>double_z</c>), 1x1 <c>quant_conv</c> from the latent
/// channels to the codebook width, <c>quantize</c> (<see cref="VectorQuantizer"/>), 1x1 <c>post_quant_conv</c> back,
/// <c>decoder</c> (<see cref="Vae.Decoder"/>).
/// </summary>
/// <remarks>
/// <see cref="Encode"/> stops before quantization, as diffusers' <c>encode</c> does; <see cref="Decode"/> quantizes
/// first, as its <c>decode</c> does by default. Images are [-1, 1]. Results are views over the model's buffers, valid
/// until the next call of the same method (a decode also ends the validity of the last <see cref="Quantize"/>'s result);
/// not safe to run from two threads at once.
/// </remarks>
public sealed class VQModel : Module
{
    /// <summary>The configuration file of a diffusers model folder.</summary>
    public const string ConfigFileName = "config.json";

    /// <summary>The weights file of a diffusers model folder.</summary>
    public const string WeightsFileName = "diffusion_pytorch_model.safetensors";

    /// <summary>Builds the tree for <paramref name="config"/> (weights come from <see cref="Module.LoadWeights"/>).</summary>
    /// <exception cref="ArgumentException">The config breaks a rule of <see cref="VQModelConfig.Validate"/>.</exception>
    public VQModel(VQModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        var network = config.ToAutoencoderConfig();
        Encoder = AddChild("encoder", new Encoder(network, doubleZ: false));
        QuantConv = AddChild("quant_conv", new Conv2d(config.LatentChannels, config.EmbedDim, 1));
        Quantizer = AddChild("quantize", new VectorQuantizer(config.NumVqEmbeddings, config.EmbedDim));
        PostQuantConv = AddChild("post_quant_conv", new Conv2d(config.EmbedDim, config.LatentChannels, 1));
        Decoder = AddChild("decoder", new Decoder(network));
    }

    /// <summary>The configuration.</summary>
    public VQModelConfig Config { get; }

    /// <summary>The encoder, to the latent channels.</summary>
    public Encoder Encoder { get; }

    /// <summary>The 1x1 convolution from the latent channels to the codebook width.</summary>
    public Conv2d QuantConv { get; }

    /// <summary>The codebook and nearest-vector search (<c>quantize</c>).</summary>
    public VectorQuantizer Quantizer { get; }

    /// <summary>The 1x1 convolution from the codebook width back to the latent channels.</summary>
    public Conv2d PostQuantConv { get; }

    /// <summary>The decoder.</summary>
    public Decoder Decoder { get; }

    /// <summary>Pixels per latent along each side: 2 to the number of downsampling levels.</summary>
    public int PixelsPerLatent => 1 << (Config.BlockOutChannels.Count - 1);

    /// <summary>
    /// The latent side for an image side of <paramref name="pixels"/>: each level's stride-2 convolution after
    /// diffusers' (0, 1) padding takes a side s to (s - 2) / 2 + 1 (28 -> 14 -> 7).
    /// </summary>
    public int LatentSize(int pixels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pixels, 1);
        for (int level = 1; level < Config.BlockOutChannels.Count; level++)
        {
            pixels = ((pixels - 2) / 2) + 1;
        }

        return pixels;
    }

    /// <summary>Loads a diffusers model folder: <see cref="ConfigFileName"/> and <see cref="WeightsFileName"/>.</summary>
    /// <exception cref="FileNotFoundException">The folder lacks one of the two files.</exception>
    /// <exception cref="InvalidDataException">The config is malformed or describes an unsupported model (names the file and key).</exception>
    /// <exception cref="WeightBindingException">Weights are missing, unexpected or mis-shaped; lists all of them.</exception>
    public static VQModel Load(string folder, ITensorBackend backend)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        ArgumentNullException.ThrowIfNull(backend);
        var config = VQModelConfig.Load(RequireFile(folder, ConfigFileName));
        using var file = SafeTensorsFile.Open(RequireFile(folder, WeightsFileName));
        return Load(config, new SafeTensorsWeightSource(file), backend);
    }

    /// <summary>Builds the model and binds its weights from <paramref name="weights"/>, whose names for it start with <paramref name="prefix"/>.</summary>
    /// <exception cref="WeightBindingException">Weights are missing, unexpected or mis-shaped; lists all of them.</exception>
    public static VQModel Load(VQModelConfig config, IWeightSource weights, ITensorBackend backend, string prefix = "")
    {
        var model = new VQModel(config);
        model.LoadWeights(weights, backend, prefix);
        return model;
    }

    /// <summary>
    /// Encodes <paramref name="image"/> [B, in, H, W] (values in [-1, 1]) to the latents before quantization
    /// [B, codebook width, h, w]: the encoder, then <c>quant_conv</c>. Valid until the next encode.
    /// </summary>
    public TensorView Encode(TensorView image)
    {
        if (image.Rank != 4 || image.Dim(1) != Config.InChannels)
        {
            throw new ArgumentException($"VQModel.Encode expects an image [B, {Config.InChannels}, H, W]; got {image.Shape}.", nameof(image));
        }

        return QuantConv.Forward(Encoder.Forward(image));
    }

    /// <summary>
    /// The nearest codebook vector of each latent of <paramref name="latents"/> [B, codebook width, h, w] and its code
    /// (<see cref="VectorQuantizer.Forward"/>). Valid until the next quantization or decode.
    /// </summary>
    public QuantizedLatents Quantize(TensorView latents) => Quantizer.Forward(latents);

    /// <summary>
    /// Decodes <paramref name="latents"/> [B, codebook width, h, w] as diffusers' <c>decode</c>: quantizes them, then
    /// <see cref="DecodeQuantized"/>. An image [B, out, h x <see cref="PixelsPerLatent"/>, ...], valid until the next decode.
    /// </summary>
    public TensorView Decode(TensorView latents) => DecodeQuantized(Quantize(latents).Quantized);

    /// <summary>
    /// Decodes <paramref name="codes"/> (row-major [batch, height, width], each 0 to
    /// <see cref="VQModelConfig.NumVqEmbeddings"/> - 1): their codebook vectors, then <see cref="DecodeQuantized"/>.
    /// Valid until the next decode.
    /// </summary>
    /// <exception cref="ArgumentException">The number of codes is not batch x height x width.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A code is outside the codebook; names its position.</exception>
    public TensorView DecodeCodes(ReadOnlySpan<int> codes, int batch, int height, int width) =>
        DecodeQuantized(Quantizer.Lookup(codes, batch, height, width));

    /// <summary>
    /// Decodes latents that are already codebook vectors (or any latents, unquantized, as diffusers'
    /// <c>decode(force_not_quantize=True)</c>): <c>post_quant_conv</c>, then the decoder. Valid until the next decode.
    /// </summary>
    public TensorView DecodeQuantized(TensorView quantized)
    {
        if (quantized.Rank != 4 || quantized.Dim(1) != Config.EmbedDim)
        {
            throw new ArgumentException($"VQModel decoding expects latents [B, {Config.EmbedDim}, h, w]; got {quantized.Shape}.", nameof(quantized));
        }

        return Decoder.Forward(PostQuantConv.Forward(quantized));
    }

    private static string RequireFile(string folder, string name) =>
        ModelFolder.RequireFile(folder, name, nameof(VQModel), "a diffusers VQModel folder", ConfigFileName, WeightsFileName);
}
