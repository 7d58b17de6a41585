using GenPipe.Nn.Blocks;
using GenPipe.Nn.Layers;
using GenPipe.Nn.Normalization;
using GenPipe.Tensors;
using GenPipe.Tensors.Backends;

namespace GenPipe.Nn.Models.Vae;

/// <summary>
/// The VAE decoder as diffusers' <c>Decoder</c> (group norms, no spatial norm): <c>conv_in</c> from the latent channels
/// to the deepest level's, <c>mid_block</c>, one <see cref="UpDecoderBlock2D"/> per level coarsest first
/// (<c>up_blocks.i</c>, layers_per_block + 1 resnets, all but the last doubling the resolution), then
/// <c>conv_norm_out</c>, SiLU and <c>conv_out</c> to the image channels.
/// </summary>
public sealed class Decoder : Module
{
    private readonly UpDecoderBlock2D[] _upBlocks;

    /// <summary>Builds the decoder of <paramref name="config"/> (weights come from <see cref="Module.LoadWeights"/>).</summary>
    public Decoder(AutoencoderKLConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        var channels = config.BlockOutChannels;
        int levels = channels.Count;
        int groups = config.NormNumGroups;
        float eps = config.NormEps;
        ConvIn = AddChild("conv_in", new Conv2d(config.LatentChannels, channels[^1], 3, padding: 1));
        MidBlock = AddChild("mid_block", new UNetMidBlock2D(channels[^1], null, channels[^1], groups, eps, config.MidBlockAddAttention));
        _upBlocks = new UpDecoderBlock2D[levels];
        int output = channels[^1];
        for (int i = 0; i < levels; i++)
        {
            int previous = output;
            output = channels[levels - 1 - i];
            _upBlocks[i] = AddChild($"up_blocks.{i}", new UpDecoderBlock2D(
                previous, output, config.LayersPerBlock + 1, addUpsample: i < levels - 1, groups, eps));
        }

        ConvNormOut = AddChild("conv_norm_out", new GroupNorm(groups, channels[0], eps));
        ConvOut = AddChild("conv_out", new Conv2d(channels[0], config.OutChannels, 3, padding: 1));
    }

    /// <summary>The configuration.</summary>
    public AutoencoderKLConfig Config { get; }

    /// <summary>The input convolution.</summary>
    public Conv2d ConvIn { get; }

    /// <summary>The bottleneck.</summary>
    public UNetMidBlock2D MidBlock { get; }

    /// <summary>The levels, coarsest first.</summary>
    public IReadOnlyList<UpDecoderBlock2D> UpBlocks => _upBlocks;

    /// <summary>The output normalization (SiLU follows, fused into it).</summary>
    public GroupNorm ConvNormOut { get; }

    /// <summary>The output convolution, to the image channels.</summary>
    public Conv2d ConvOut { get; }

    /// <summary>
    /// Decodes <paramref name="latents"/> [B, latent, h, w] (after <c>post_quant_conv</c>) to an image
    /// [B, out, h x 2^(levels-1), ...], valid until the next forward.
    /// </summary>
    public TensorView Forward(TensorView latents)
    {
        if (latents.Rank != 4 || latents.Dim(1) != Config.LatentChannels)
        {
            throw new ArgumentException($"The VAE decoder expects latents [B, {Config.LatentChannels}, h, w]; got {latents.Shape}.", nameof(latents));
        }

        var h = MidBlock.Forward(ConvIn.Forward(latents));
        foreach (var block in _upBlocks)
        {
            h = block.Forward(h);
        }

        return ConvOut.Forward(ConvNormOut.Forward(h, Activation.Silu));
    }
}
