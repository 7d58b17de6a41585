using GenPipe.Nn.Blocks;
using GenPipe.Nn.Layers;
using GenPipe.Nn.Normalization;
using GenPipe.Tensors;
using GenPipe.Tensors.Backends;

namespace GenPipe.Nn.Models.Vae;

/// <summary>
/// The VAE encoder as diffusers' <c>Encoder</c>: <c>conv_in</c>, one <see cref="DownEncoderBlock2D"/> per level
/// (<c>down_blocks.i</c>, all but the last halving the resolution), <c>mid_block</c> (resnet, single-head attention over
/// all channels, resnet; no time embedding), then <c>conv_norm_out</c>, SiLU (<c>conv_act</c>, which has no weights) and
/// <c>conv_out</c>: to twice the latent channels with <c>double_z</c> (<see cref="AutoencoderKL"/>: the posterior's mean
/// and log-variance), to the latent channels without (<see cref="VQModel"/>: the latents to quantize).
/// </summary>
public sealed class Encoder : Module
{
    private readonly DownEncoderBlock2D[] _downBlocks;

    /// <summary>Builds the encoder of <paramref name="config"/> (weights come from <see cref="Module.LoadWeights"/>).</summary>
    /// <param name="config">The shape.</param>
    /// <param name="doubleZ">diffusers' <c>double_z</c>: whether <c>conv_out</c> emits 2 x latent channels (a Gaussian's moments) or the latent channels.</param>
    public Encoder(AutoencoderKLConfig config, bool doubleZ = true)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        var channels = config.BlockOutChannels;
        int groups = config.NormNumGroups;
        float eps = config.NormEps;
        ConvIn = AddChild("conv_in", new Conv2d(config.InChannels, channels[0], 3, padding: 1));
        _downBlocks = new DownEncoderBlock2D[channels.Count];
        for (int i = 0; i < channels.Count; i++)
        {
            _downBlocks[i] = AddChild($"down_blocks.{i}", new DownEncoderBlock2D(
                i == 0 ? channels[0] : channels[i - 1], channels[i], config.LayersPerBlock, addDownsample: i < channels.Count - 1, groups, eps));
        }

        // One head of all channels: diffusers passes attention_head_dim = the mid block's channel count.
        MidBlock = AddChild("mid_block", new UNetMidBlock2D(channels[^1], null, channels[^1], groups, eps, config.MidBlockAddAttention));
        ConvNormOut = AddChild("conv_norm_out", new GroupNorm(groups, channels[^1], eps));
        DoubleZ = doubleZ;
        OutChannels = doubleZ ? 2 * config.LatentChannels : config.LatentChannels;
        ConvOut = AddChild("conv_out", new Conv2d(channels[^1], OutChannels, 3, padding: 1));
    }

    /// <summary>The configuration.</summary>
    public AutoencoderKLConfig Config { get; }

    /// <summary>Whether the output doubles the latent channels (diffusers' <c>double_z</c>).</summary>
    public bool DoubleZ { get; }

    /// <summary>Channels of the output: 2 x latent with <see cref="DoubleZ"/>, the latent channels without.</summary>
    public int OutChannels { get; }

    /// <summary>The input convolution.</summary>
    public Conv2d ConvIn { get; }

    /// <summary>The levels, finest first.</summary>
    public IReadOnlyList<DownEncoderBlock2D> DownBlocks => _downBlocks;

    /// <summary>The bottleneck.</summary>
    public UNetMidBlock2D MidBlock { get; }

    /// <summary>The output normalization (SiLU follows, fused into it).</summary>
    public GroupNorm ConvNormOut { get; }

    /// <summary>The output convolution, to <see cref="OutChannels"/>.</summary>
    public Conv2d ConvOut { get; }

    /// <summary>
    /// Encodes <paramref name="image"/> [B, in, H, W] to [B, <see cref="OutChannels"/>, H / 2^(levels-1), ...] (before
    /// <c>quant_conv</c>): the moments with <see cref="DoubleZ"/>, the latents without; valid until the next forward.
    /// </summary>
    public TensorView Forward(TensorView image)
    {
        if (image.Rank != 4 || image.Dim(1) != Config.InChannels)
        {
            throw new ArgumentException($"The VAE encoder expects an image [B, {Config.InChannels}, H, W]; got {image.Shape}.", nameof(image));
        }

        var h = ConvIn.Forward(image);
        foreach (var block in _downBlocks)
        {
            h = block.Forward(h);
        }

        h = MidBlock.Forward(h);
        return ConvOut.Forward(ConvNormOut.Forward(h, Activation.Silu));
    }
}
