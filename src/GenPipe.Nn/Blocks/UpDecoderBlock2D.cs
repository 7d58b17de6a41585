using GenPipe.Tensors;

namespace GenPipe.Nn.Blocks;

/// <summary>
/// One resolution level of the VAE decoder as diffusers' <c>UpDecoderBlock2D</c>: <c>resnets.i</c> without time
/// conditioning (no skip connections to concatenate), then an optional <c>upsamplers.0</c> (nearest x2 and a 3x3
/// convolution).
/// </summary>
public sealed class UpDecoderBlock2D : Module
{
    private readonly ResnetBlock2D[] _resnets;

    /// <summary>Creates the block.</summary>
    /// <param name="inChannels">Input channels (the previous level's output).</param>
    /// <param name="outChannels">Output channels.</param>
    /// <param name="layers">Resnet blocks (the VAE decoder has layers_per_block + 1).</param>
    /// <param name="addUpsample">Whether the level ends with the upsampler.</param>
    /// <param name="groups">Group-norm groups.</param>
    /// <param name="epsilon">Group-norm epsilon (1e-6 in the VAE).</param>
    public UpDecoderBlock2D(int inChannels, int outChannels, int layers, bool addUpsample, int groups, float epsilon)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(layers, 1);
        _resnets = new ResnetBlock2D[layers];
        for (int i = 0; i < layers; i++)
        {
            _resnets[i] = AddChild($"resnets.{i}", new ResnetBlock2D(i == 0 ? inChannels : outChannels, outChannels, null, groups, epsilon));
        }

        if (addUpsample)
        {
            Upsampler = AddChild("upsamplers.0", new Upsample2D(outChannels, outChannels));
        }
    }

    /// <summary>The resnet blocks.</summary>
    public IReadOnlyList<ResnetBlock2D> Resnets => _resnets;

    /// <summary>The upsampler, or null on the last level.</summary>
    public Upsample2D? Upsampler { get; }

    /// <summary>Runs the level on [B, in, H, W]; the result is valid until this block's next forward.</summary>
    public TensorView Forward(TensorView input)
    {
        var h = input;
        foreach (var resnet in _resnets)
        {
            h = resnet.Forward(h);
        }

        return Upsampler is null ? h : Upsampler.Forward(h);
    }
}
