using GenPipe.Nn.Layers;
using GenPipe.Tensors;

namespace GenPipe.Nn.Blocks;

/// <summary>
/// Halves the resolution with a stride-2 3x3 convolution <c>conv</c>, as diffusers' <c>Downsample2D</c> (use_conv).
/// With <c>padding</c> 0 (the VAE encoder's <c>downsample_padding</c>) the input first gets one zero row at the bottom
/// and one zero column on the right, as diffusers pads it (<c>F.pad(x, (0, 1, 0, 1))</c>), so that the windows start
/// at even rows and columns and an even size halves exactly.
/// </summary>
public sealed class Downsample2D : Module
{
    private readonly ActivationBuffer _padded;
    private readonly ActivationBuffer _zero;

    /// <summary>Creates the block.</summary>
    /// <param name="channels">Input channels.</param>
    /// <param name="outChannels">Output channels (default: the input's).</param>
    /// <param name="padding">The convolution's zero padding on every side; 0 means diffusers' asymmetric bottom-right pad.</param>
    public Downsample2D(int channels, int? outChannels = null, int padding = 1)
    {
        _padded = AddBuffer();
        _zero = AddBuffer();
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        Padding = padding;
        Conv = AddChild("conv", new Conv2d(channels, outChannels ?? channels, 3, stride: 2, padding: padding));
    }

    /// <summary>The convolution's padding (0: padded bottom-right by one first).</summary>
    public int Padding { get; }

    /// <summary>The strided convolution.</summary>
    public Conv2d Conv { get; }

    /// <summary>[B, C, H, W] to [B, C', H/2, W/2], valid until this block's next forward.</summary>
    public TensorView Forward(TensorView input)
    {
        if (Padding != 0)
        {
            return Conv.Forward(input);
        }

        if (input.Rank != 4)
        {
            throw new ArgumentException($"Downsample2D expects [B, C, H, W]; got {input.Shape}.", nameof(input));
        }

        // The convolution pads symmetrically only, so the one-sided pad is a copy into a buffer one row and one
        // column larger. The border is zeroed on every call: a reused buffer may hold another shape's values there.
        int b = input.Dim(0), c = input.Dim(1), h = input.Dim(2), w = input.Dim(3);
        var padded = _padded.Get(b, c, h + 1, w + 1);
        Backend.Copy(input, padded.Slice(2, 0, h).Slice(3, 0, w));

        // The backend zeroes new storage and nothing ever writes this one element.
        var zero = _zero.Get(1, 1, 1, 1);
        Backend.Copy(zero.BroadcastTo(new Dims([b, c, 1, w + 1])), padded.Slice(2, h, 1));
        Backend.Copy(zero.BroadcastTo(new Dims([b, c, h, 1])), padded.Slice(2, 0, h).Slice(3, w, 1));
        return Conv.Forward(padded);
    }
}
