using GenPipe.Nn.Layers;
using GenPipe.Tensors;
using GenPipe.Tensors.Backends;
using GenPipe.Tensors.SafeTensors;

namespace GenPipe.Nn.Models.Vae;

/// <summary>
/// The KL-regularized image autoencoder of latent diffusion, with the structure and parameter names of diffusers'
/// <c>AutoencoderKL</c>: <c>encoder</c> (<see cref="Vae.Encoder"/>), optional 1x1 <c>quant_conv</c>, a
/// <see cref="DiagonalGaussian"/> posterior, optional 1x1 <c>post_quant_conv</c>, <c>decoder</c>
/// (<see cref="Vae.Decoder"/>).
/// </summary>
/// <remarks>
/// As upstream, <see cref="Encode"/> and <see cref="Decode"/> work in the raw latent space: they do not apply
/// <c>scaling_factor</c> or <c>shift_factor</c>. Pipelines do, with <see cref="ScaleLatents(TensorView)"/> after
/// encoding and <see cref="UnscaleLatents(TensorView)"/> before decoding. Results are views over the model's buffers,
/// valid until the next call of the same method; not safe to run from two threads at once.
/// <para>
/// For large images, <see cref="TileSize"/> turns on diffusers' tiled encoding and decoding (<c>enable_tiling</c>) and
/// <see cref="Slicing"/> its batch slicing (<c>enable_slicing</c>); see those properties.
/// </para>
/// </remarks>
public sealed partial class AutoencoderKL : Module
{
    /// <summary>The configuration file of a diffusers model folder.</summary>
    public const string ConfigFileName = "config.json";

    /// <summary>The weights file of a diffusers model folder.</summary>
    public const string WeightsFileName = "diffusion_pytorch_model.safetensors";

    private readonly DiagonalGaussian _posterior;
    private readonly ActivationBuffer _scaled;
    private readonly ActivationBuffer _unscaled;
    private readonly ActivationBuffer _moments;
    private readonly ActivationBuffer _decoded;
    private readonly TileBlender _tiles;
    private readonly Func<TensorView, TensorView> _encodeWhole;
    private readonly Func<TensorView, TensorView> _decodeWhole;
    private int? _tileSize;

    /// <summary>Builds the tree for <paramref name="config"/> (weights come from <see cref="Module.LoadWeights"/>).</summary>
    public AutoencoderKL(AutoencoderKLConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        _posterior = new DiagonalGaussian(this, AddBuffer(), AddBuffer(), AddBuffer(), AddBuffer(), AddBuffer());
        _scaled = AddBuffer();
        _unscaled = AddBuffer();
        _moments = AddBuffer();
        _decoded = AddBuffer();
        _tiles = new TileBlender(this, AddBuffer(), AddBuffer(), AddBuffer(), AddBuffer());
        _encodeWhole = EncodeMoments;
        _decodeWhole = DecodeWhole;
        Encoder = AddChild("encoder", new Encoder(config));
        Decoder = AddChild("decoder", new Decoder(config));
        int latent = config.LatentChannels;
        if (config.UseQuantConv)
        {
            QuantConv = AddChild("quant_conv", new Conv2d(2 * latent, 2 * latent, 1));
        }

        if (config.UsePostQuantConv)
        {
            PostQuantConv = AddChild("post_quant_conv", new Conv2d(latent, latent, 1));
        }
    }

    /// <summary>The configuration.</summary>
    public AutoencoderKLConfig Config { get; }

    /// <summary>The encoder.</summary>
    public Encoder Encoder { get; }

    /// <summary>The decoder.</summary>
    public Decoder Decoder { get; }

    /// <summary>The 1x1 convolution on the encoder's moments, or null (<c>use_quant_conv: false</c>).</summary>
    public Conv2d? QuantConv { get; }

    /// <summary>The 1x1 convolution on latents before the decoder, or null (<c>use_post_quant_conv: false</c>).</summary>
    public Conv2d? PostQuantConv { get; }

    /// <summary>The latent scale pipelines apply (<c>scaling_factor</c>).</summary>
    public float ScalingFactor => Config.ScalingFactor;

    /// <summary>The latent shift pipelines apply (<c>shift_factor</c>), or null for none.</summary>
    public float? ShiftFactor => Config.ShiftFactor;

    /// <summary>
    /// Loads a diffusers model folder: <see cref="ConfigFileName"/> and <see cref="WeightsFileName"/> (for example a
    /// pipeline's <c>vae/</c> folder).
    /// </summary>
    /// <exception cref="FileNotFoundException">The folder lacks one of the two files.</exception>
    /// <exception cref="InvalidDataException">The config is malformed or describes an unsupported model (names the file and key).</exception>
    /// <exception cref="WeightBindingException">Weights are missing, unexpected or mis-shaped; lists all of them.</exception>
    public static AutoencoderKL Load(string folder, ITensorBackend backend)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        ArgumentNullException.ThrowIfNull(backend);
        var config = AutoencoderKLConfig.Load(RequireFile(folder, ConfigFileName));
        using var file = SafeTensorsFile.Open(RequireFile(folder, WeightsFileName));
        return Load(config, new SafeTensorsWeightSource(file), backend);
    }

    /// <summary>Builds the model and binds its weights from <paramref name="weights"/>, whose names for it start with <paramref name="prefix"/> (for example <c>vae.</c>).</summary>
    /// <exception cref="WeightBindingException">Weights are missing, unexpected or mis-shaped; lists all of them.</exception>
    public static AutoencoderKL Load(AutoencoderKLConfig config, IWeightSource weights, ITensorBackend backend, string prefix = "")
    {
        var model = new AutoencoderKL(config);
        model.LoadWeights(weights, backend, prefix);
        return model;
    }

    /// <summary>
    /// Encodes <paramref name="image"/> [B, in, H, W] (values in [-1, 1]) to the posterior over raw latents
    /// [B, latent, H / 2^(levels-1), ...]: the encoder, then <c>quant_conv</c>; tile by tile when <see cref="TileSize"/>
    /// is set and the image is larger than a tile, one sample at a time when <see cref="Slicing"/> is on. Valid until the
    /// next encode.
    /// </summary>
    public DiagonalGaussian Encode(TensorView image)
    {
        if (image.Rank != 4 || image.Dim(1) != Config.InChannels)
        {
            throw new ArgumentException($"AutoencoderKL.Encode expects an image [B, {Config.InChannels}, H, W]; got {image.Shape}.", nameof(image));
        }

        bool tiled = TilesImage(image.Dim(2), image.Dim(3));
        if (!tiled && !SlicesBatch(image.Dim(0)))
        {
            _posterior.Compute(EncodeMoments(image));
            return _posterior;
        }

        if (tiled)
        {
            RequireWholeLatents(image);
        }

        var moments = _moments.Get(image.Dim(0), 2 * Config.LatentChannels, EncodedSize(image.Dim(2)), EncodedSize(image.Dim(3)));
        RunBatch(image, moments, tiled ? EncodeLayout : null, _encodeWhole);
        _posterior.Compute(moments);
        return _posterior;
    }

    /// <summary>
    /// Decodes raw (unscaled) <paramref name="latents"/> [B, latent, h, w] to an image [B, out, h x 2^(levels-1), ...]:
    /// <c>post_quant_conv</c>, then the decoder; tile by tile when <see cref="TileSize"/> is set and the latents are
    /// larger than a tile, one sample at a time when <see cref="Slicing"/> is on. Valid until the next decode.
    /// </summary>
    public TensorView Decode(TensorView latents)
    {
        if (latents.Rank != 4 || latents.Dim(1) != Config.LatentChannels)
        {
            throw new ArgumentException($"AutoencoderKL.Decode expects latents [B, {Config.LatentChannels}, h, w]; got {latents.Shape}.", nameof(latents));
        }

        bool tiled = TilesLatents(latents.Dim(2), latents.Dim(3));
        if (!tiled && !SlicesBatch(latents.Dim(0)))
        {
            return DecodeWhole(latents);
        }

        int scale = PixelsPerLatent;
        var image = _decoded.Get(latents.Dim(0), Config.OutChannels, latents.Dim(2) * scale, latents.Dim(3) * scale);
        RunBatch(latents, image, tiled ? DecodeLayout : null, _decodeWhole);
        return image;
    }

    /// <summary>
    /// Reconstructs <paramref name="image"/> as diffusers' <c>forward</c>: decodes the posterior's mode
    /// (<c>sample_posterior=False</c>), or its sample with <paramref name="noise"/> when given.
    /// </summary>
    public TensorView Forward(TensorView image, TensorView noise = default)
    {
        var posterior = Encode(image);
        return Decode(noise.IsNone ? posterior.Mode() : posterior.Sample(noise));
    }

    /// <summary>
    /// <c>(latents - shift_factor) * scaling_factor</c>, what pipelines do to encoded latents before diffusion (no
    /// shift when the config has none), into the model's buffer; valid until the next call.
    /// </summary>
    public TensorView ScaleLatents(TensorView latents)
    {
        Span<int> shape = stackalloc int[latents.Rank];
        latents.Shape.CopyTo(shape);
        var output = _scaled.Get(shape);
        ScaleLatents(latents, output);
        return output;
    }

    /// <summary>As <see cref="ScaleLatents(TensorView)"/>, into <paramref name="output"/> (which may be <paramref name="latents"/>).</summary>
    public void ScaleLatents(TensorView latents, TensorView output)
    {
        float shift = ShiftFactor ?? 0f;
        Backend.Affine(latents, ScalingFactor, -shift * ScalingFactor, output);
    }

    /// <summary>
    /// <c>latents / scaling_factor + shift_factor</c>, what pipelines do to denoised latents before
    /// <see cref="Decode"/>, into the model's buffer; valid until the next call.
    /// </summary>
    public TensorView UnscaleLatents(TensorView latents)
    {
        Span<int> shape = stackalloc int[latents.Rank];
        latents.Shape.CopyTo(shape);
        var output = _unscaled.Get(shape);
        UnscaleLatents(latents, output);
        return output;
    }

    /// <summary>As <see cref="UnscaleLatents(TensorView)"/>, into <paramref name="output"/> (which may be <paramref name="latents"/>).</summary>
    public void UnscaleLatents(TensorView latents, TensorView output) =>
        Backend.Affine(latents, 1f / ScalingFactor, ShiftFactor ?? 0f, output);

    // The encoder and quant_conv on a whole input: the posterior's moments.
    private TensorView EncodeMoments(TensorView image)
    {
        var moments = Encoder.Forward(image);
        return QuantConv is null ? moments : QuantConv.Forward(moments);
    }

    // post_quant_conv and the decoder on a whole input.
    private TensorView DecodeWhole(TensorView latents) =>
        Decoder.Forward(PostQuantConv is null ? latents : PostQuantConv.Forward(latents));

    private static string RequireFile(string folder, string name) =>
        ModelFolder.RequireFile(folder, name, "AutoencoderKL", "a diffusers VAE folder", ConfigFileName, WeightsFileName);
}
