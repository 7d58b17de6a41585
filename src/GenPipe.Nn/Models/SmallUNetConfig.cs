namespace GenPipe.Nn.Models;

/// <summary>
/// The shape of a <see cref="SmallUNet"/>, named as diffusers' <c>UNet2DModel</c> configuration. The defaults are the
/// 4x32x32-latent denoiser: channels 64/128/256, two resnets per level, self-attention on the deepest (8x8) level and
/// in the mid block.
/// </summary>
public sealed record SmallUNetConfig
{
    /// <summary>Input (latent) channels.</summary>
    public int InChannels { get; init; } = 4;

    /// <summary>Output channels.</summary>
    public int OutChannels { get; init; } = 4;

    /// <summary>Output channels of each resolution level, finest first.</summary>
    public IReadOnlyList<int> BlockOutChannels { get; init; } = [64, 128, 256];

    /// <summary>Whether each encoder level (finest first) has attention; the decoder mirrors it.</summary>
    public IReadOnlyList<bool> AttentionLevels { get; init; } = [false, false, true];

    /// <summary>Resnets per encoder level (the decoder has one more).</summary>
    public int LayersPerBlock { get; init; } = 2;

    /// <summary>Group-norm groups everywhere.</summary>
    public int NormNumGroups { get; init; } = 32;

    /// <summary>Group-norm epsilon everywhere.</summary>
    public float NormEps { get; init; } = 1e-5f;

    /// <summary>Features per attention head (heads = channels / this).</summary>
    public int AttentionHeadDim { get; init; } = 32;

    /// <summary>Cosines first in the timestep features.</summary>
    public bool FlipSinToCos { get; init; } = true;

    /// <summary>Shift of the timestep frequency denominator.</summary>
    public float FreqShift { get; init; }

    /// <summary>The time-embedding width: four times the first level's channels.</summary>
    public int TimeEmbedDim => BlockOutChannels[0] * 4;

    /// <summary>Checks that the numbers fit together.</summary>
    /// <exception cref="ArgumentException">A level count, channel count, group or head size does not fit; the message says which.</exception>
    public void Validate()
    {
        if (BlockOutChannels.Count == 0 || AttentionLevels.Count != BlockOutChannels.Count)
        {
            throw new ArgumentException(
                $"block_out_channels has {BlockOutChannels.Count} levels and the attention flags {AttentionLevels.Count}; they must match and not be empty.");
        }

        if (LayersPerBlock < 1)
        {
            throw new ArgumentException($"layers_per_block is {LayersPerBlock}; it must be at least 1.");
        }

        foreach (int channels in BlockOutChannels)
        {
            if (channels < 1 || channels % NormNumGroups != 0 || channels % AttentionHeadDim != 0)
            {
                throw new ArgumentException(
                    $"Level channels {channels} must divide by norm_num_groups {NormNumGroups} and attention_head_dim {AttentionHeadDim}.");
            }
        }
    }
}
