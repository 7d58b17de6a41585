namespace GenPipe.Nn.Models.Vae;

/// <summary>
/// The shape of a <see cref="VQModel"/>, named and defaulted as diffusers' <c>VQModel</c> constructor (and so its
/// <c>config.json</c>): an <see cref="AutoencoderKLConfig"/>'s encoder and decoder keys plus the codebook's.
/// </summary>
/// <remarks>
/// A record of its own rather than more keys on <see cref="AutoencoderKLConfig"/>: the two classes share the network
/// keys but not their defaults (<c>latent_channels</c> 3 here, 4 there), and the KL-only keys (<c>use_quant_conv</c>,
/// <c>shift_factor</c>) mean nothing to a VQ model, whose 1x1 convolutions are always there.
/// <c>lookup_from_codebook</c> only matters to diffusers' <c>decode(force_not_quantize=True)</c>, which this model has
/// no counterpart of, and <c>force_upcast</c> to half-precision pipelines: both are read and kept, not used.
/// </remarks>
public sealed record VQModelConfig
{
    /// <summary>The only normalization implemented: group norms everywhere.</summary>
    public const string GroupNorm = "group";

    /// <summary>Image channels in (<c>in_channels</c>).</summary>
    public int InChannels { get; init; } = 3;

    /// <summary>Image channels out (<c>out_channels</c>).</summary>
    public int OutChannels { get; init; } = 3;

    /// <summary>Encoder levels, finest first (<c>down_block_types</c>); each must be <see cref="AutoencoderKLConfig.DownEncoderBlock"/>.</summary>
    public IReadOnlyList<string> DownBlockTypes { get; init; } = [AutoencoderKLConfig.DownEncoderBlock];

    /// <summary>Decoder levels, coarsest first (<c>up_block_types</c>); each must be <see cref="AutoencoderKLConfig.UpDecoderBlock"/>.</summary>
    public IReadOnlyList<string> UpBlockTypes { get; init; } = [AutoencoderKLConfig.UpDecoderBlock];

    /// <summary>Channels of each level, finest first (<c>block_out_channels</c>).</summary>
    public IReadOnlyList<int> BlockOutChannels { get; init; } = [64];

    /// <summary>Resnets per encoder level; decoder levels have one more (<c>layers_per_block</c>).</summary>
    public int LayersPerBlock { get; init; } = 1;

    /// <summary>The activation (<c>act_fn</c>): <c>silu</c> (or its alias <c>swish</c>) is the only one supported.</summary>
    public string ActFn { get; init; } = "silu";

    /// <summary>Channels of the encoder's output and the decoder's input (<c>latent_channels</c>).</summary>
    public int LatentChannels { get; init; } = 3;

    /// <summary>Width of a codebook vector (<c>vq_embed_dim</c>); null (diffusers' <c>None</c>) means <see cref="LatentChannels"/>.</summary>
    public int? VqEmbedDim { get; init; }

    /// <summary>Codebook vectors (<c>num_vq_embeddings</c>): the codes are 0 to this minus 1.</summary>
    public int NumVqEmbeddings { get; init; } = 256;

    /// <summary>Group-norm groups everywhere (<c>norm_num_groups</c>).</summary>
    public int NormNumGroups { get; init; } = 32;

    /// <summary>The decoder's normalization (<c>norm_type</c>): only <see cref="GroupNorm"/> is supported.</summary>
    public string NormType { get; init; } = GroupNorm;

    /// <summary>The training image size (<c>sample_size</c>; the first entry when the file gives [height, width]).</summary>
    public int SampleSize { get; init; } = 32;

    /// <summary>diffusers' <c>scaling_factor</c>; latent-diffusion pipelines scale by it, codes do not see it. Informational here.</summary>
    public float ScalingFactor { get; init; } = 0.18215f;

    /// <summary>Whether the encoder's and decoder's mid blocks have their attention (<c>mid_block_add_attention</c>).</summary>
    public bool MidBlockAddAttention { get; init; } = true;

    /// <summary>diffusers' <c>lookup_from_codebook</c>; read and kept, not used (see the remarks).</summary>
    public bool LookupFromCodebook { get; init; }

    /// <summary>diffusers' <c>force_upcast</c>; read and kept, not used (computation is float32).</summary>
    public bool ForceUpcast { get; init; }

    /// <summary>The width of a codebook vector: <see cref="VqEmbedDim"/>, or <see cref="LatentChannels"/> when it is null.</summary>
    public int EmbedDim => VqEmbedDim ?? LatentChannels;

    /// <summary>Checks that the numbers and names fit together.</summary>
    /// <exception cref="ArgumentException">A setting is unsupported or out of range; the message starts with the config key.</exception>
    public void Validate()
    {
        JsonConfigReader.Require(
            NormType == GroupNorm,
            $"norm_type is \"{NormType}\"; only \"{GroupNorm}\" is supported (the \"spatial\" norm of MoVQ-style decoders, conditioned on the quantized latents, is not implemented).");
        JsonConfigReader.Require(NumVqEmbeddings >= 1, $"num_vq_embeddings is {NumVqEmbeddings}; it must be at least 1.");
        JsonConfigReader.Require(VqEmbedDim is null || VqEmbedDim >= 1, $"vq_embed_dim is {VqEmbedDim}; it must be at least 1, or null for latent_channels.");
        ToAutoencoderConfig().Validate();
    }

    /// <summary>
    /// The encoder's and decoder's shape as an <see cref="AutoencoderKLConfig"/>, which <see cref="Vae.Encoder"/> and
    /// <see cref="Vae.Decoder"/> are built from (its quant-conv keys are off: a VQ model has its own).
    /// </summary>
    public AutoencoderKLConfig ToAutoencoderConfig() => new()
    {
        InChannels = InChannels,
        OutChannels = OutChannels,
        DownBlockTypes = DownBlockTypes,
        UpBlockTypes = UpBlockTypes,
        BlockOutChannels = BlockOutChannels,
        LayersPerBlock = LayersPerBlock,
        ActFn = ActFn,
        LatentChannels = LatentChannels,
        NormNumGroups = NormNumGroups,
        SampleSize = SampleSize,
        ScalingFactor = ScalingFactor,
        UseQuantConv = false,
        UsePostQuantConv = false,
        MidBlockAddAttention = MidBlockAddAttention,
    };

    /// <summary>Reads a diffusers <c>VQModel</c> <c>config.json</c>.</summary>
    /// <exception cref="InvalidDataException">Not valid JSON, a field is mistyped, or the model is not supported; the message names the file and key.</exception>
    public static VQModelConfig Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Reads the text of a diffusers <c>VQModel</c> config; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="InvalidDataException">Not valid JSON, a field is mistyped, or the model is not supported; the message names the source and key.</exception>
    public static VQModelConfig Parse(string json, string source = "config.json")
    {
        using var reader = JsonConfigReader.Parse(json, source);
        string className = reader.String("_class_name", nameof(VQModel));
        if (className != nameof(VQModel))
        {
            throw reader.Error("_class_name", $"is \"{className}\"; this reader takes a \"{nameof(VQModel)}\" config.");
        }

        var defaults = new VQModelConfig();
        var config = new VQModelConfig
        {
            InChannels = reader.Int("in_channels", defaults.InChannels),
            OutChannels = reader.Int("out_channels", defaults.OutChannels),
            DownBlockTypes = reader.StringList("down_block_types", defaults.DownBlockTypes),
            UpBlockTypes = reader.StringList("up_block_types", defaults.UpBlockTypes),
            BlockOutChannels = reader.IntList("block_out_channels", defaults.BlockOutChannels),
            LayersPerBlock = reader.Int("layers_per_block", defaults.LayersPerBlock),
            ActFn = reader.String("act_fn", defaults.ActFn),
            LatentChannels = reader.Int("latent_channels", defaults.LatentChannels),
            VqEmbedDim = reader.OptionalInt("vq_embed_dim"),
            NumVqEmbeddings = reader.Int("num_vq_embeddings", defaults.NumVqEmbeddings),
            NormNumGroups = reader.Int("norm_num_groups", defaults.NormNumGroups),
            NormType = reader.String("norm_type", defaults.NormType),
            SampleSize = reader.IntList("sample_size", [defaults.SampleSize]) is [int first, ..] ? first : defaults.SampleSize,
            ScalingFactor = reader.Float("scaling_factor", defaults.ScalingFactor),
            MidBlockAddAttention = reader.Bool("mid_block_add_attention", defaults.MidBlockAddAttention),
            LookupFromCodebook = reader.Bool("lookup_from_codebook", defaults.LookupFromCodebook),
            ForceUpcast = reader.Bool("force_upcast", defaults.ForceUpcast),
        };

        return reader.Validated(config, c => c.Validate());
    }
}
