using GenPipe.Nn.Blocks;
using GenPipe.Tensors;

namespace GenPipe.Nn.Models.UNet2DCondition;

/// <summary>
/// The conditioned UNet bottleneck as diffusers' <c>UNetMidBlock2DCrossAttn</c> (one layer): <c>resnets.0</c>,
/// <c>attentions.0</c> (a <see cref="Transformer2DModel"/> on the encoder hidden states), <c>resnets.1</c>.
/// </summary>
public sealed class UNetMidBlock2DCrossAttn : Module
{
    /// <summary>Creates the block.</summary>
    /// <param name="channels">Channels in and out.</param>
    /// <param name="tembChannels">Time-embedding features.</param>
    /// <param name="transformerLayers">Transformer blocks in the transformer.</param>
    /// <param name="heads">Attention heads (each gets channels / heads features, rounded down, as diffusers does).</param>
    /// <param name="crossAttentionDim">Features of the encoder hidden states.</param>
    /// <param name="useLinearProjection">Linear instead of 1x1 convolution projections in the transformer.</param>
    /// <param name="groups">Group-norm groups.</param>
    /// <param name="epsilon">The resnets' group-norm epsilon.</param>
    public UNetMidBlock2DCrossAttn(
        int channels, int tembChannels, int transformerLayers, int heads, int crossAttentionDim, bool useLinearProjection, int groups, float epsilon)
    {
        Resnet0 = AddChild("resnets.0", new ResnetBlock2D(channels, channels, tembChannels, groups, epsilon));
        Resnet1 = AddChild("resnets.1", new ResnetBlock2D(channels, channels, tembChannels, groups, epsilon));
        Attention = AddChild("attentions.0", new Transformer2DModel(
            channels, heads, channels / heads, crossAttentionDim, transformerLayers, groups, useLinearProjection));
    }

    /// <summary>The first resnet.</summary>
    public ResnetBlock2D Resnet0 { get; }

    /// <summary>The transformer.</summary>
    public Transformer2DModel Attention { get; }

    /// <summary>The second resnet.</summary>
    public ResnetBlock2D Resnet1 { get; }

    /// <summary>resnet, transformer on <paramref name="context"/>, resnet; valid until the next forward.</summary>
    public TensorView Forward(TensorView input, TensorView temb, TensorView context) =>
        Resnet1.Forward(Attention.Forward(Resnet0.Forward(input, temb), context), temb);
}
