using GenPipe.Tensors;

namespace GenPipe.Nn.Blocks;

/// <summary>
/// One resolution level of the VAE encoder as diffusers' <c>DownEncoderBlock2D</c>: <c>resnets.i</c> without time
/// conditioning, then an optional <c>downsamplers.0</c> that pads bottom-right and convolves with stride 2
/// (diffusers' encoder passes <c>downsample_padding=0</c>). No skip connections.
/// </summary>
public sealed class DownEncoderBlock2D : Module
{
    private readonly ResnetBlock2D[] _resnets;

    /// <summary>Creates the block.</summary>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="outChannels">Output channels.</param>
    /// <param name="layers">Resnet blocks.</param>
    /// <param name="addDownsample">Whether the level ends with the stride-2 convolution.</param>
    /// <param name="groups">Group-norm groups.</param>
    /// <param name="epsilon">Group-norm epsilon (1e-6 in the VAE).</param>
    /// <param name="downsamplePadding">The downsampler's padding; 0 is the VAE's asymmetric pad.</param>
    public DownEncoderBlock2D(int inChannels, int outChannels, int layers, bool addDownsample, int groups, float epsilon, int downsamplePadding = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(layers, 1);
        _resnets = new ResnetBlock2D[layers];
        for (int i = 0; i < layers; i++)
        {
            _resnets[i] = AddChild($"resnets.{i}", new ResnetBlock2D(i == 0 ? inChannels : outChannels, outChannels, null, groups, epsilon));
        }

        if (addDownsample)
        {
            Downsampler = AddChild("downsamplers.0", new Downsample2D(outChannels, outChannels, downsamplePadding));
        }
    }

    /// <summary>The resnet blocks.</summary>
    public IReadOnlyList<ResnetBlock2D> Resnets => _resnets;

    /// <summary>The downsampler, or null on the last level.</summary>
    public Downsample2D? Downsampler { get; }

    /// <summary>Runs the level on [B, in, H, W]; the result is valid until this block's next forward.</summary>
    public TensorView Forward(TensorView input)
    {
        var h = input;
        foreach (var resnet in _resnets)
        {
            h = resnet.Forward(h);
        }

        return Downsampler is null ? h : Downsampler.Forward(h);
    }
}
