namespace GenPipe.Nn.Models.UNet2DCondition;

/// <summary>
/// The shape of a <see cref="UNet2DConditionModel"/>: the subset of diffusers' <c>UNet2DConditionModel</c> configuration
/// that Stable Diffusion 1.x and 2.x use, with every per-level setting resolved to one value per level (finest first).
/// The defaults are diffusers' class defaults: SD 1.x's layout, except that SD 1.x configs set <c>cross_attention_dim</c>
/// 768. <see cref="FromFile"/> reads diffusers'
/// <c>config.json</c> and refuses settings this port does not implement.
/// </summary>
public sealed record UNet2DConditionConfig
{
    /// <summary>The down block type with resnets only.</summary>
    public const string DownBlock = "DownBlock2D";

    /// <summary>The down block type with a <see cref="Transformer2DModel"/> after each resnet.</summary>
    public const string CrossAttnDownBlock = "CrossAttnDownBlock2D";

    /// <summary>The up block type with resnets only.</summary>
    public const string UpBlock = "UpBlock2D";

    /// <summary>The up block type with a <see cref="Transformer2DModel"/> after each resnet.</summary>
    public const string CrossAttnUpBlock = "CrossAttnUpBlock2D";

    /// <summary>The mid block type: resnet, transformer, resnet.</summary>
    public const string MidBlockCrossAttn = "UNetMidBlock2DCrossAttn";

    /// <summary>Input (latent) channels (<c>in_channels</c>).</summary>
    public int InChannels { get; init; } = 4;

    /// <summary>Output channels (<c>out_channels</c>).</summary>
    public int OutChannels { get; init; } = 4;

    /// <summary>Output channels of each level, finest first (<c>block_out_channels</c>).</summary>
    public IReadOnlyList<int> BlockOutChannels { get; init; } = [320, 640, 1280, 1280];

    /// <summary>Each encoder level's block type, finest first (<c>down_block_types</c>).</summary>
    public IReadOnlyList<string> DownBlockTypes { get; init; } = [CrossAttnDownBlock, CrossAttnDownBlock, CrossAttnDownBlock, DownBlock];

    /// <summary>The bottleneck's type, or null for none (<c>mid_block_type</c>).</summary>
    public string? MidBlockType { get; init; } = MidBlockCrossAttn;

    /// <summary>Each decoder level's block type, coarsest first (<c>up_block_types</c>).</summary>
    public IReadOnlyList<string> UpBlockTypes { get; init; } = [UpBlock, CrossAttnUpBlock, CrossAttnUpBlock, CrossAttnUpBlock];

    /// <summary>Resnets per encoder level, finest first; the decoder level of the same resolution has one more (<c>layers_per_block</c>).</summary>
    public IReadOnlyList<int> LayersPerBlock { get; init; } = [2, 2, 2, 2];

    /// <summary>
    /// Attention heads of each level's transformers, finest first. diffusers reads <c>attention_head_dim</c> as this
    /// number (not as features per head) when <c>num_attention_heads</c> is null, which it always is in SD configs:
    /// SD 1.x's <c>8</c> means 8 heads at every level, SD 2.x's <c>[5, 10, 20, 20]</c> means 64 features per head.
    /// The decoder uses the list reversed, the mid block the last entry.
    /// </summary>
    public IReadOnlyList<int> AttentionHeads { get; init; } = [8, 8, 8, 8];

    /// <summary>Features of the encoder hidden states each level's cross-attention reads (<c>cross_attention_dim</c>).</summary>
    public IReadOnlyList<int> CrossAttentionDim { get; init; } = [1280, 1280, 1280, 1280];

    /// <summary><see cref="Nn.Blocks.BasicTransformerBlock"/>s in each level's transformers (<c>transformer_layers_per_block</c>).</summary>
    public IReadOnlyList<int> TransformerLayersPerBlock { get; init; } = [1, 1, 1, 1];

    /// <summary>Linear instead of 1x1 convolution <c>proj_in</c>/<c>proj_out</c> in the transformers (SD 2.x; <c>use_linear_projection</c>).</summary>
    public bool UseLinearProjection { get; init; }

    /// <summary>Cosines first in the timestep features (<c>flip_sin_to_cos</c>).</summary>
    public bool FlipSinToCos { get; init; } = true;

    /// <summary>Shift of the timestep frequency denominator (<c>freq_shift</c>).</summary>
    public float FreqShift { get; init; }

    /// <summary>Group-norm groups of the resnets, transformers and output norm (<c>norm_num_groups</c>).</summary>
    public int NormNumGroups { get; init; } = 32;

    /// <summary>Group-norm epsilon of the resnets and output norm (<c>norm_eps</c>); the transformers' norm uses 1e-6.</summary>
    public float NormEps { get; init; } = 1e-5f;

    /// <summary>The time-embedding width, or null for four times the first level's channels (<c>time_embedding_dim</c>).</summary>
    public int? TimeEmbeddingDim { get; init; }

    /// <summary>Kernel size of <c>conv_in</c>, odd (<c>conv_in_kernel</c>).</summary>
    public int ConvInKernel { get; init; } = 3;

    /// <summary>Kernel size of <c>conv_out</c>, odd (<c>conv_out_kernel</c>).</summary>
    public int ConvOutKernel { get; init; } = 3;

    /// <summary>
    /// diffusers' <c>upcast_attention</c>: computes attention scores in float32 under half precision. GenPipe computes
    /// in float32 always, so it changes nothing; kept so a configuration round-trips.
    /// </summary>
    public bool UpcastAttention { get; init; }

    /// <summary>The latent size the model was trained at (<c>sample_size</c>), informational; null when not given.</summary>
    public int? SampleSize { get; init; }

    /// <summary>The levels.</summary>
    public int Levels => BlockOutChannels.Count;

    /// <summary>The time-embedding width the resnets receive.</summary>
    public int TimeEmbedDim => TimeEmbeddingDim ?? (BlockOutChannels.Count == 0 ? 0 : BlockOutChannels[0] * 4);

    /// <summary>Reads diffusers' <c>config.json</c> of a <c>UNet2DConditionModel</c>.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not such a configuration (bad JSON, wrong types, lists of the wrong length); the message names the file and key.</exception>
    /// <exception cref="NotSupportedException">The configuration uses a diffusers setting this port does not implement; the message names the file, the key, its value and what is supported.</exception>
    public static UNet2DConditionConfig FromFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"No UNet config at {path}.", path);
        }

        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Reads the text of diffusers' <c>config.json</c>; <paramref name="source"/> names it in messages.</summary>
    /// <exception cref="InvalidDataException">Not such a configuration; see <see cref="FromFile"/>.</exception>
    /// <exception cref="NotSupportedException">An unimplemented setting; see <see cref="FromFile"/>.</exception>
    public static UNet2DConditionConfig Parse(string json, string source)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(source);
        return UNet2DConditionConfigReader.Read(json, source);
    }

    /// <summary>Checks that the numbers fit together.</summary>
    /// <exception cref="ArgumentException">A list has the wrong length, a block type is unknown, or channels do not divide by the groups or heads; the message says which.</exception>
    public void Validate()
    {
        int levels = Levels;
        if (levels == 0)
        {
            throw new ArgumentException("block_out_channels is empty; a UNet needs at least one level.");
        }

        SameLength(DownBlockTypes.Count, "down_block_types");
        SameLength(UpBlockTypes.Count, "up_block_types");
        SameLength(LayersPerBlock.Count, "layers_per_block");
        SameLength(AttentionHeads.Count, "attention_head_dim");
        SameLength(CrossAttentionDim.Count, "cross_attention_dim");
        SameLength(TransformerLayersPerBlock.Count, "transformer_layers_per_block");
        Positive(InChannels, "in_channels");
        Positive(OutChannels, "out_channels");
        Positive(NormNumGroups, "norm_num_groups");
        Positive(TimeEmbedDim, "time_embedding_dim");
        if (ConvInKernel < 1 || ConvInKernel % 2 == 0 || ConvOutKernel < 1 || ConvOutKernel % 2 == 0)
        {
            throw new ArgumentException($"conv_in_kernel {ConvInKernel} and conv_out_kernel {ConvOutKernel} must be odd and positive.");
        }

        for (int i = 0; i < levels; i++)
        {
            int channels = BlockOutChannels[i];
            Positive(channels, $"block_out_channels[{i}]");
            Positive(LayersPerBlock[i], $"layers_per_block[{i}]");
            Positive(AttentionHeads[i], $"attention_head_dim[{i}]");
            Positive(CrossAttentionDim[i], $"cross_attention_dim[{i}]");
            Positive(TransformerLayersPerBlock[i], $"transformer_layers_per_block[{i}]");
            if (channels % NormNumGroups != 0)
            {
                throw new ArgumentException($"block_out_channels[{i}] = {channels} does not divide into norm_num_groups {NormNumGroups}.");
            }

            if (!HasAttention(i) && !HasUpAttention(levels - 1 - i))
            {
                continue;
            }

            // Transformers split the channels evenly over the heads (channels // heads features each).
            if (channels < AttentionHeads[i])
            {
                throw new ArgumentException($"Level {i} has {channels} channels, fewer than its {AttentionHeads[i]} attention heads.");
            }
        }

        for (int i = 0; i < levels; i++)
        {
            if (DownBlockTypes[i] is not (DownBlock or CrossAttnDownBlock))
            {
                throw new ArgumentException($"down_block_types[{i}] is \"{DownBlockTypes[i]}\"; supported: \"{DownBlock}\", \"{CrossAttnDownBlock}\".");
            }

            if (UpBlockTypes[i] is not (UpBlock or CrossAttnUpBlock))
            {
                throw new ArgumentException($"up_block_types[{i}] is \"{UpBlockTypes[i]}\"; supported: \"{UpBlock}\", \"{CrossAttnUpBlock}\".");
            }
        }

        if (MidBlockType is not (null or MidBlockCrossAttn))
        {
            throw new ArgumentException($"mid_block_type is \"{MidBlockType}\"; supported: \"{MidBlockCrossAttn}\" or null.");
        }

        if (MidBlockType is not null && BlockOutChannels[^1] < AttentionHeads[^1])
        {
            throw new ArgumentException($"The mid block has {BlockOutChannels[^1]} channels, fewer than its {AttentionHeads[^1]} attention heads.");
        }

        void SameLength(int count, string key)
        {
            if (count != levels)
            {
                throw new ArgumentException($"{key} has {count} entries but block_out_channels has {levels} levels; they must match.");
            }
        }

        static void Positive(int value, string key)
        {
            if (value < 1)
            {
                throw new ArgumentException($"{key} is {value}; it must be at least 1.");
            }
        }
    }

    /// <summary>Whether encoder level <paramref name="level"/> (finest first) has cross-attention.</summary>
    public bool HasAttention(int level) => DownBlockTypes[level] == CrossAttnDownBlock;

    /// <summary>Whether decoder block <paramref name="index"/> (coarsest first) has cross-attention.</summary>
    public bool HasUpAttention(int index) => UpBlockTypes[index] == CrossAttnUpBlock;
}
