using GenPipe.Nn.Layers;
using GenPipe.Tensors;

namespace GenPipe.Nn.Blocks;

/// <summary>The UNet bottleneck as diffusers' <c>UNetMidBlock2D</c> with one attention: <c>resnets.0</c>, <c>attentions.0</c>, <c>resnets.1</c>.</summary>
public sealed class UNetMidBlock2D : Module
{
    /// <summary>Creates the block.</summary>
    public UNetMidBlock2D(int channels, int tembChannels, int attentionHeadDim, int groups, float epsilon)
    {
        Resnet0 = AddChild("resnets.0", new ResnetBlock2D(channels, channels, tembChannels, groups, epsilon));
        Attention = AddChild("attentions.0", UNetAttention.Create(channels, attentionHeadDim, groups, epsilon));
        Resnet1 = AddChild("resnets.1", new ResnetBlock2D(channels, channels, tembChannels, groups, epsilon));
    }

    /// <summary>The first resnet.</summary>
    public ResnetBlock2D Resnet0 { get; }

    /// <summary>The self-attention.</summary>
    public Attention Attention { get; }

    /// <summary>The second resnet.</summary>
    public ResnetBlock2D Resnet1 { get; }

    /// <summary>resnet, attention, resnet; valid until the next forward.</summary>
    public TensorView Forward(TensorView input, TensorView temb) =>
        Resnet1.Forward(Attention.Forward(Resnet0.Forward(input, temb)), temb);
}
