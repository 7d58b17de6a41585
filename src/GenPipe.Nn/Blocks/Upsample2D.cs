using GenPipe.Nn.Layers;
using GenPipe.Tensors;

namespace GenPipe.Nn.Blocks;

/// <summary>
/// Doubles the resolution (nearest neighbour), or resizes to a given size, and applies a 3x3 convolution <c>conv</c>,
/// as diffusers' <c>Upsample2D</c> (use_conv) with and without <c>output_size</c>.
/// </summary>
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
    public TensorView Forward(TensorView input) => Forward(input, input.Dim(2) * 2, input.Dim(3) * 2);

    /// <summary>
    /// [B, C, H, W] to [B, C', <paramref name="height"/>, <paramref name="width"/>]: what a UNet's up block does when
    /// the skip it joins next is not twice its size (a stride-2 convolution rounded an odd size up on the way down).
    /// Valid until this block's next forward.
    /// </summary>
    public TensorView Forward(TensorView input, int height, int width)
    {
        var upsampled = _upsampled.Get(input.Dim(0), input.Dim(1), height, width);
        Backend.UpsampleNearest(input, upsampled);
        return Conv.Forward(upsampled);
    }

    /// <summary>Upsamples to the spatial size of <paramref name="skips"/>' next view, the skip the following up block joins.</summary>
    public TensorView ForwardToNextSkip(TensorView input, SkipStack skips)
    {
        ArgumentNullException.ThrowIfNull(skips);
        var next = skips.Peek();
        return Forward(input, next.Dim(2), next.Dim(3));
    }
}
