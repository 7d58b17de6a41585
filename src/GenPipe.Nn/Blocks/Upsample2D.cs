using GenPipe.Nn.Layers;
using GenPipe.Tensors;

namespace GenPipe.Nn.Blocks;

/// <summary>Doubles the resolution (nearest neighbour) and applies a 3x3 convolution <c>conv</c>, as diffusers' <c>Upsample2D</c> (use_conv).</summary>
public sealed class Upsample2D : Module
{
    private readonly ActivationBuffer _upsampled;

    /// <summary>Creates the block.</summary>
    public Upsample2D(int channels, int? outChannels = null)
    {
        _upsampled = AddBuffer();
        Conv = AddChild("conv", new Conv2d(channels, outChannels ?? channels, 3, padding: 1));
    }

    /// <summary>The convolution after upsampling.</summary>
    public Conv2d Conv { get; }

    /// <summary>[B, C, H, W] to [B, C', 2H, 2W], valid until this block's next forward.</summary>
    public TensorView Forward(TensorView input)
    {
        var upsampled = _upsampled.Get(input.Dim(0), input.Dim(1), input.Dim(2) * 2, input.Dim(3) * 2);
        Backend.UpsampleNearest(input, 2, 2, upsampled);
        return Conv.Forward(upsampled);
    }
}
