using GenPipe.Nn.Layers;
using GenPipe.Tensors;

namespace GenPipe.Nn.Blocks;

/// <summary>
/// One resolution level of a UNet decoder as diffusers' <c>UpBlock2D</c> / <c>AttnUpBlock2D</c>: each of
/// <c>resnets.i</c> takes the previous output concatenated (channels) with a popped skip connection, optionally
/// followed by <c>attentions.i</c>; an optional <c>upsamplers.0</c> ends the level.
/// </summary>
public sealed class UpBlock2D : Module
{
    private readonly ResnetBlock2D[] _resnets;
    private readonly Attention[]? _attentions;
    private readonly ActivationBuffer[] _concatenated;

    /// <summary>Creates the block.</summary>
    /// <param name="inChannels">Channels of the deepest skip this level consumes (the encoder level below's output).</param>
    /// <param name="prevOutputChannels">Channels coming from the previous decoder level.</param>
    /// <param name="outChannels">Output channels.</param>
    /// <param name="tembChannels">Time-embedding features.</param>
    /// <param name="layers">Resnet blocks (one more than the encoder's, to consume the downsampler's skip).</param>
    /// <param name="attentionHeadDim">Features per attention head; null for a block without attention.</param>
    /// <param name="addUpsample">Whether the block ends with an upsampler.</param>
    /// <param name="groups">Group-norm groups.</param>
    /// <param name="epsilon">Group-norm epsilon.</param>
    public UpBlock2D(
        int inChannels, int prevOutputChannels, int outChannels, int tembChannels, int layers, int? attentionHeadDim, bool addUpsample, int groups, float epsilon)
    {
        _resnets = new ResnetBlock2D[layers];
        _concatenated = new ActivationBuffer[layers];
        for (int i = 0; i < layers; i++)
        {
            int skipChannels = i == layers - 1 ? inChannels : outChannels;
            int resnetIn = i == 0 ? prevOutputChannels : outChannels;
            _resnets[i] = AddChild($"resnets.{i}", new ResnetBlock2D(resnetIn + skipChannels, outChannels, tembChannels, groups, epsilon));
            _concatenated[i] = AddBuffer();
        }

        if (attentionHeadDim is int headDim)
        {
            _attentions = new Attention[layers];
            for (int i = 0; i < layers; i++)
            {
                _attentions[i] = AddChild($"attentions.{i}", UNetAttention.Create(outChannels, headDim, groups, epsilon));
            }
        }

        if (addUpsample)
        {
            Upsampler = AddChild("upsamplers.0", new Upsample2D(outChannels));
        }
    }

    /// <summary>The resnet blocks.</summary>
    public IReadOnlyList<ResnetBlock2D> Resnets => _resnets;

    /// <summary>The attentions after each resnet, or empty.</summary>
    public IReadOnlyList<Attention> Attentions => _attentions ?? [];

    /// <summary>The upsampler, or null.</summary>
    public Upsample2D? Upsampler { get; }

    /// <summary>Runs the level, popping one skip connection per resnet from <paramref name="skips"/>.</summary>
    public TensorView Forward(TensorView input, TensorView temb, SkipStack skips)
    {
        ArgumentNullException.ThrowIfNull(skips);
        var h = input;
        for (int i = 0; i < _resnets.Length; i++)
        {
            var joined = skips.PopJoined(h, _concatenated[i], Backend);
            h = _resnets[i].Forward(joined, temb);
            if (_attentions is not null)
            {
                h = _attentions[i].Forward(h);
            }
        }

        // Upsampled to the next skip's size, as diffusers passes upsample_size: twice this size unless a stride-2
        // convolution rounded an odd size up on the way down.
        return Upsampler is null ? h : Upsampler.ForwardToNextSkip(h, skips);
    }
}
