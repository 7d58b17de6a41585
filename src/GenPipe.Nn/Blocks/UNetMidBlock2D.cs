using GenPipe.Nn.Layers;
using GenPipe.Tensors;

namespace GenPipe.Nn.Blocks;

/// <summary>
/// The UNet bottleneck as diffusers' <c>UNetMidBlock2D</c> with one attention: <c>resnets.0</c>, <c>attentions.0</c>,
/// <c>resnets.1</c>. The VAE's encoder and decoder use it without time conditioning, and without the attention when
/// their configuration says <c>mid_block_add_attention: false</c>.
/// </summary>
public sealed class UNetMidBlock2D : Module
{
    /// <summary>Creates the block.</summary>
    /// <param name="channels">Channels in and out.</param>
    /// <param name="tembChannels">Time-embedding features; null for resnets without time conditioning (the VAE's).</param>
    /// <param name="attentionHeadDim">Features per attention head (the VAE's: all channels, so one head).</param>
    /// <param name="groups">Group-norm groups.</param>
    /// <param name="epsilon">Group-norm epsilon.</param>
    /// <param name="addAttention">Whether <c>attentions.0</c> exists (diffusers' <c>add_attention</c>).</param>
    public UNetMidBlock2D(int channels, int? tembChannels, int attentionHeadDim, int groups, float epsilon, bool addAttention = true)
    {
        Resnet0 = AddChild("resnets.0", new ResnetBlock2D(channels, channels, tembChannels, groups, epsilon));
        if (addAttention)
        {
            Attention = AddChild("attentions.0", UNetAttention.Create(channels, attentionHeadDim, groups, epsilon));
        }

        Resnet1 = AddChild("resnets.1", new ResnetBlock2D(channels, channels, tembChannels, groups, epsilon));
    }

    /// <summary>The first resnet.</summary>
    public ResnetBlock2D Resnet0 { get; }

    /// <summary>The self-attention, or null when the block was built without it.</summary>
    public Attention? Attention { get; }

    /// <summary>The second resnet.</summary>
    public ResnetBlock2D Resnet1 { get; }

    /// <summary>resnet, attention, resnet; valid until the next forward. <paramref name="temb"/> is none without time conditioning.</summary>
    public TensorView Forward(TensorView input, TensorView temb = default)
    {
        var h = Resnet0.Forward(input, temb);
        if (Attention is not null)
        {
            h = Attention.Forward(h);
        }

        return Resnet1.Forward(h, temb);
    }
}
