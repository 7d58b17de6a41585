using GenPipe.Nn.Layers;
using GenPipe.Tensors;

namespace GenPipe.Nn.Blocks;

/// <summary>Halves the resolution with a stride-2 3x3 convolution <c>conv</c>, as diffusers' <c>Downsample2D</c> (use_conv).</summary>
public sealed class Downsample2D : Module
{
    /// <summary>Creates the block.</summary>
    public Downsample2D(int channels, int? outChannels = null, int padding = 1)
    {
        Conv = AddChild("conv", new Conv2d(channels, outChannels ?? channels, 3, stride: 2, padding: padding));
    }

    /// <summary>The strided convolution.</summary>
    public Conv2d Conv { get; }

    /// <summary>[B, C, H, W] to [B, C', H/2, W/2], valid until this block's next forward.</summary>
    public TensorView Forward(TensorView input) => Conv.Forward(input);
}
