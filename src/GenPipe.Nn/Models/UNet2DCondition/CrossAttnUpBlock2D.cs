using GenPipe.Nn.Blocks;
using GenPipe.Tensors;

namespace GenPipe.Nn.Models.UNet2DCondition;

/// <summary>
/// One resolution level of a conditioned UNet decoder as diffusers' <c>CrossAttnUpBlock2D</c>: each of
/// <c>resnets.i</c> takes the previous output concatenated (channels) with a popped skip connection and is followed by
/// <c>attentions.i</c> (a <see cref="Transformer2DModel"/> on the encoder hidden states); an optional
/// <c>upsamplers.0</c> ends the level.
/// </summary>
public sealed class CrossAttnUpBlock2D : Module
{
    private readonly ResnetBlock2D[] _resnets;
    private readonly Transformer2DModel[] _attentions;
    private readonly ActivationBuffer[] _concatenated;

    /// <summary>Creates the block.</summary>
    /// <param name="inChannels">Channels of the deepest skip this level consumes (the encoder level below's output).</param>
    /// <param name="prevOutputChannels">Channels coming from the previous decoder level.</param>
    /// <param name="outChannels">Output channels.</param>
    /// <param name="tembChannels">Time-embedding features.</param>
    /// <param name="layers">Resnet and transformer pairs (one more than the encoder's, to consume the downsampler's skip).</param>
    /// <param name="transformerLayers">Transformer blocks in each transformer.</param>
    /// <param name="heads">Attention heads (each gets outChannels / heads features, rounded down, as diffusers does).</param>
    /// <param name="crossAttentionDim">Features of the encoder hidden states.</param>
    /// <param name="useLinearProjection">Linear instead of 1x1 convolution projections in the transformers.</param>
    /// <param name="addUpsample">Whether the block ends with an upsampler.</param>
    /// <param name="groups">Group-norm groups.</param>
    /// <param name="epsilon">The resnets' group-norm epsilon.</param>
    public CrossAttnUpBlock2D(
        int inChannels, int prevOutputChannels, int outChannels, int tembChannels, int layers, int transformerLayers, int heads,
        int crossAttentionDim, bool useLinearProjection, bool addUpsample, int groups, float epsilon)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(layers, 1);
        _resnets = new ResnetBlock2D[layers];
        _attentions = new Transformer2DModel[layers];
        _concatenated = new ActivationBuffer[layers];
        for (int i = 0; i < layers; i++)
        {
            int skipChannels = i == layers - 1 ? inChannels : outChannels;
            int resnetIn = i == 0 ? prevOutputChannels : outChannels;
            _resnets[i] = AddChild($"resnets.{i}", new ResnetBlock2D(resnetIn + skipChannels, outChannels, tembChannels, groups, epsilon));
            _concatenated[i] = AddBuffer();
        }

        for (int i = 0; i < layers; i++)
        {
            _attentions[i] = AddChild($"attentions.{i}", new Transformer2DModel(
                outChannels, heads, outChannels / heads, crossAttentionDim, transformerLayers, groups, useLinearProjection));
        }

        if (addUpsample)
        {
            Upsampler = AddChild("upsamplers.0", new Upsample2D(outChannels));
        }
    }

    /// <summary>The resnet blocks.</summary>
    public IReadOnlyList<ResnetBlock2D> Resnets => _resnets;

    /// <summary>The transformers after each resnet.</summary>
    public IReadOnlyList<Transformer2DModel> Attentions => _attentions;

    /// <summary>The upsampler, or null.</summary>
    public Upsample2D? Upsampler { get; }

    /// <summary>Runs the level with the encoder hidden states <paramref name="context"/>, popping one skip connection per resnet from <paramref name="skips"/>.</summary>
    public TensorView Forward(TensorView input, TensorView temb, TensorView context, SkipStack skips)
    {
        ArgumentNullException.ThrowIfNull(skips);
        var h = input;
        for (int i = 0; i < _resnets.Length; i++)
        {
            var joined = skips.PopJoined(h, _concatenated[i], Backend);
            h = _attentions[i].Forward(_resnets[i].Forward(joined, temb), context);
        }

        // Upsampled to the next skip's size, as diffusers passes upsample_size: twice this size unless a stride-2
        // convolution rounded an odd size up on the way down.
        return Upsampler is null ? h : Upsampler.ForwardToNextSkip(h, skips);
    }
}
