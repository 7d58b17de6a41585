using GenPipe.Nn.Layers;
using GenPipe.Tensors;

namespace GenPipe.Nn.Blocks;

/// <summary>
/// One resolution level of a UNet encoder as diffusers' <c>DownBlock2D</c> / <c>AttnDownBlock2D</c>: <c>resnets.i</c>,
/// optionally an attention after each (<c>attentions.i</c>), then an optional <c>downsamplers.0</c>. Every resnet (or
/// attention) output and the downsampled output are pushed as skip connections.
/// </summary>
public sealed class DownBlock2D : Module
{
    private readonly ResnetBlock2D[] _resnets;
    private readonly Attention[]? _attentions;

    /// <summary>Creates the block.</summary>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="outChannels">Output channels.</param>
    /// <param name="tembChannels">Time-embedding features.</param>
    /// <param name="layers">Resnet blocks.</param>
    /// <param name="attentionHeadDim">Features per attention head; null for a block without attention.</param>
    /// <param name="addDownsample">Whether the block ends with a stride-2 convolution.</param>
    /// <param name="groups">Group-norm groups.</param>
    /// <param name="epsilon">Group-norm epsilon.</param>
    public DownBlock2D(int inChannels, int outChannels, int tembChannels, int layers, int? attentionHeadDim, bool addDownsample, int groups, float epsilon)
    {
        _resnets = new ResnetBlock2D[layers];
        for (int i = 0; i < layers; i++)
        {
            _resnets[i] = AddChild($"resnets.{i}", new ResnetBlock2D(i == 0 ? inChannels : outChannels, outChannels, tembChannels, groups, epsilon));
        }

        if (attentionHeadDim is int headDim)
        {
            _attentions = new Attention[layers];
            for (int i = 0; i < layers; i++)
            {
                _attentions[i] = AddChild($"attentions.{i}", UNetAttention.Create(outChannels, headDim, groups, epsilon));
            }
        }

        if (addDownsample)
        {
            Downsampler = AddChild("downsamplers.0", new Downsample2D(outChannels));
        }
    }

    /// <summary>The resnet blocks.</summary>
    public IReadOnlyList<ResnetBlock2D> Resnets => _resnets;

    /// <summary>The attentions after each resnet, or empty.</summary>
    public IReadOnlyList<Attention> Attentions => _attentions ?? [];

    /// <summary>The downsampler, or null.</summary>
    public Downsample2D? Downsampler { get; }

    /// <summary>Runs the level, pushing each intermediate output onto <paramref name="skips"/>.</summary>
    public TensorView Forward(TensorView input, TensorView temb, SkipStack skips)
    {
        ArgumentNullException.ThrowIfNull(skips);
        var h = input;
        for (int i = 0; i < _resnets.Length; i++)
        {
            h = _resnets[i].Forward(h, temb);
            if (_attentions is not null)
            {
                h = _attentions[i].Forward(h);
            }

            skips.Push(h);
        }

        if (Downsampler is not null)
        {
            h = Downsampler.Forward(h);
            skips.Push(h);
        }

        return h;
    }
}
