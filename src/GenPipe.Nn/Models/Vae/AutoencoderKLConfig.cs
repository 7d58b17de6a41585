namespace GenPipe.Nn.Models.Vae;

/// <summary>
/// The shape of an <see cref="AutoencoderKL"/>, named and defaulted as diffusers' <c>AutoencoderKL</c> constructor
/// (and so its <c>config.json</c>). Stable Diffusion 1.x's VAE is block_out_channels 128/256/512/512,
/// layers_per_block 2, scaling_factor 0.18215.
/// </summary>
/// <remarks>
/// <c>force_upcast</c>, <c>latents_mean</c> and <c>latents_std</c> are read by pipelines, not the model, and are
/// ignored here, as are diffusers' bookkeeping keys (<c>_class_name</c> is checked when present).
/// </remarks>
public sealed record AutoencoderKLConfig
{
    /// <summary>The only encoder block diffusers' <c>AutoencoderKL</c> checkpoints use.</summary>
    public const string DownEncoderBlock = "DownEncoderBlock2D";

    /// <summary>The only decoder block diffusers' <c>AutoencoderKL</c> checkpoints use.</summary>
    public const string UpDecoderBlock = "UpDecoderBlock2D";

    /// <summary>Image channels in (<c>in_channels</c>).</summary>
    public int InChannels { get; init; } = 3;

    /// <summary>Image channels out (<c>out_channels</c>).</summary>
    public int OutChannels { get; init; } = 3;

    /// <summary>Encoder levels, finest first (<c>down_block_types</c>); each must be <see cref="DownEncoderBlock"/>.</summary>
    public IReadOnlyList<string> DownBlockTypes { get; init; } = [DownEncoderBlock];

    /// <summary>Decoder levels, coarsest first (<c>up_block_types</c>); each must be <see cref="UpDecoderBlock"/>.</summary>
    public IReadOnlyList<string> UpBlockTypes { get; init; } = [UpDecoderBlock];

    /// <summary>Channels of each level, finest first (<c>block_out_channels</c>).</summary>
    public IReadOnlyList<int> BlockOutChannels { get; init; } = [64];

    /// <summary>Resnets per encoder level; decoder levels have one more (<c>layers_per_block</c>).</summary>
    public int LayersPerBlock { get; init; } = 1;

    /// <summary>The activation (<c>act_fn</c>): <c>silu</c> (or its alias <c>swish</c>) is the only one supported.</summary>
    public string ActFn { get; init; } = "silu";

    /// <summary>Latent channels (<c>latent_channels</c>); the encoder emits twice as many (mean and log-variance).</summary>
    public int LatentChannels { get; init; } = 4;

    /// <summary>Group-norm groups everywhere (<c>norm_num_groups</c>).</summary>
    public int NormNumGroups { get; init; } = 32;

    /// <summary>The training image size (<c>sample_size</c>; the first entry when the file gives [height, width]). Informational.</summary>
    public int SampleSize { get; init; } = 32;

    /// <summary>Pipelines multiply encoded latents by this (<c>scaling_factor</c>); see <see cref="AutoencoderKL.ScaleLatents(GenPipe.Tensors.TensorView)"/>.</summary>
    public float ScalingFactor { get; init; } = 0.18215f;

    /// <summary>Pipelines subtract this before scaling (<c>shift_factor</c>; null in SD 1.x/2.x/XL, set in SD3 and Flux).</summary>
    public float? ShiftFactor { get; init; }

    /// <summary>Whether a 1x1 <c>quant_conv</c> follows the encoder (<c>use_quant_conv</c>).</summary>
    public bool UseQuantConv { get; init; } = true;

    /// <summary>Whether a 1x1 <c>post_quant_conv</c> precedes the decoder (<c>use_post_quant_conv</c>).</summary>
    public bool UsePostQuantConv { get; init; } = true;

    /// <summary>Whether the encoder's and decoder's mid blocks have their attention (<c>mid_block_add_attention</c>).</summary>
    public bool MidBlockAddAttention { get; init; } = true;

    /// <summary>Group-norm epsilon of every VAE norm; diffusers fixes it at 1e-6 for the encoder and decoder.</summary>
    public float NormEps => 1e-6f;

    /// <summary>Checks that the numbers and names fit together.</summary>
    /// <exception cref="ArgumentException">A block type or activation is unknown, or counts and channels do not fit; the message starts with the config key.</exception>
    public void Validate()
    {
        for (int i = 0; i < DownBlockTypes.Count; i++)
        {
            Require(DownBlockTypes[i] == DownEncoderBlock, $"down_block_types[{i}] is \"{DownBlockTypes[i]}\"; only \"{DownEncoderBlock}\" is supported.");
        }

        for (int i = 0; i < UpBlockTypes.Count; i++)
        {
            Require(UpBlockTypes[i] == UpDecoderBlock, $"up_block_types[{i}] is \"{UpBlockTypes[i]}\"; only \"{UpDecoderBlock}\" is supported.");
        }

        Require(ActFn is "silu" or "swish", $"act_fn is \"{ActFn}\"; only \"silu\" is supported.");
        Require(BlockOutChannels.Count >= 1, "block_out_channels must list at least one level.");
        Require(
            DownBlockTypes.Count == BlockOutChannels.Count && UpBlockTypes.Count == BlockOutChannels.Count,
            $"block_out_channels has {BlockOutChannels.Count} levels but down_block_types has {DownBlockTypes.Count} and up_block_types {UpBlockTypes.Count}; they must match.");
        Require(LayersPerBlock >= 1, $"layers_per_block is {LayersPerBlock}; it must be at least 1.");
        Require(InChannels >= 1 && OutChannels >= 1 && LatentChannels >= 1, "in_channels, out_channels and latent_channels must be at least 1.");
        Require(NormNumGroups >= 1, $"norm_num_groups is {NormNumGroups}; it must be at least 1.");
        foreach (int channels in BlockOutChannels)
        {
            Require(channels >= 1 && channels % NormNumGroups == 0, $"block_out_channels has {channels}, which does not divide into norm_num_groups {NormNumGroups}.");
        }

        Require(float.IsFinite(ScalingFactor) && ScalingFactor != 0f, $"scaling_factor is {ScalingFactor}; latents are divided by it, so it must be finite and not zero.");
        Require(ShiftFactor is null || float.IsFinite(ShiftFactor.Value), $"shift_factor is {ShiftFactor}; it must be finite or null.");
    }

    /// <summary>Reads a diffusers <c>AutoencoderKL</c> <c>config.json</c>.</summary>
    /// <exception cref="InvalidDataException">Not valid JSON, a field is mistyped, or the model is not supported; the message names the file and key.</exception>
    public static AutoencoderKLConfig Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Reads the text of a diffusers <c>AutoencoderKL</c> config; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="InvalidDataException">Not valid JSON, a field is mistyped, or the model is not supported; the message names the source and key.</exception>
    public static AutoencoderKLConfig Parse(string json, string source = "config.json")
    {
        using var reader = JsonConfigReader.Parse(json, source);
        string className = reader.String("_class_name", nameof(AutoencoderKL));
        if (className != nameof(AutoencoderKL))
        {
            throw reader.Error("_class_name", $"is \"{className}\"; this reader takes an \"{nameof(AutoencoderKL)}\" config.");
        }

        var defaults = new AutoencoderKLConfig();
        var config = new AutoencoderKLConfig
        {
            InChannels = reader.Int("in_channels", defaults.InChannels),
            OutChannels = reader.Int("out_channels", defaults.OutChannels),
            DownBlockTypes = reader.StringList("down_block_types", defaults.DownBlockTypes),
            UpBlockTypes = reader.StringList("up_block_types", defaults.UpBlockTypes),
            BlockOutChannels = reader.IntList("block_out_channels", defaults.BlockOutChannels),
            LayersPerBlock = reader.Int("layers_per_block", defaults.LayersPerBlock),
            ActFn = reader.String("act_fn", defaults.ActFn),
            LatentChannels = reader.Int("latent_channels", defaults.LatentChannels),
            NormNumGroups = reader.Int("norm_num_groups", defaults.NormNumGroups),
            SampleSize = reader.IntList("sample_size", [defaults.SampleSize]) is [int first, ..] ? first : defaults.SampleSize,
            ScalingFactor = reader.Float("scaling_factor", defaults.ScalingFactor),
            ShiftFactor = reader.OptionalFloat("shift_factor"),
            UseQuantConv = reader.Bool("use_quant_conv", defaults.UseQuantConv),
            UsePostQuantConv = reader.Bool("use_post_quant_conv", defaults.UsePostQuantConv),
            MidBlockAddAttention = reader.Bool("mid_block_add_attention", defaults.MidBlockAddAttention),
        };

        return reader.Validated(config, c => c.Validate());
    }

    private static void Require(bool condition, string message) => JsonConfigReader.Require(condition, message);
}
