using GenPipe.Nn.Blocks;
using GenPipe.Tensors;

namespace GenPipe.Nn.Models.UNet2DCondition;

/// <summary>
/// One resolution level of a conditioned UNet encoder as diffusers' <c>CrossAttnDownBlock2D</c>: <c>resnets.i</c>, each
/// followed by <c>attentions.i</c> (a <see cref="Transformer2DModel"/> attending to the encoder hidden states), then an
/// optional <c>downsamplers.0</c>. Every transformer output and the downsampled output are pushed as skip connections.
/// </summary>
public sealed class CrossAttnDownBlock2D : Module
{
    private readonly ResnetBlock2D[] _resnets;
    private readonly Transformer2DModel[] _attentions;

    /// <summary>Creates the block.</summary>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="outChannels">Output channels.</param>
    /// <param name="tembChannels">Time-embedding features.</param>
    /// <param name="layers">Resnet and transformer pairs.</param>
    /// <param name="transformerLayers">Transformer blocks in each transformer.</param>
    /// <param name="heads">Attention heads (each gets outChannels / heads features, rounded down, as diffusers does).</param>
    /// <param name="crossAttentionDim">Features of the encoder hidden states.</param>
    /// <param name="useLinearProjection">Linear instead of 1x1 convolution projections in the transformers.</param>
    /// <param name="addDownsample">Whether the block ends with a stride-2 convolution.</param>
    /// <param name="groups">Group-norm groups.</param>
    /// <param name="epsilon">The resnets' group-norm epsilon.</param>
    public CrossAttnDownBlock2D(
        int inChannels, int outChannels, int tembChannels, int layers, int transformerLayers, int heads, int crossAttentionDim,
        bool useLinearProjection, bool addDownsample, int groups, float epsilon)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(layers, 1);
        _resnets = new ResnetBlock2D[layers];
        _attentions = new Transformer2DModel[layers];
        for (int i = 0; i < layers; i++)
        {
            _resnets[i] = AddChild($"resnets.{i}", new ResnetBlock2D(i == 0 ? inChannels : outChannels, outChannels, tembChannels, groups, epsilon));
        }

        for (int i = 0; i < layers; i++)
        {
            _attentions[i] = AddChild($"attentions.{i}", new Transformer2DModel(
                outChannels, heads, outChannels / heads, crossAttentionDim, transformerLayers, groups, useLinearProjection));
        }

        if (addDownsample)
        {
            Downsampler = AddChild("downsamplers.0", new Downsample2D(outChannels));
        }
    }

    /// <summary>The resnet blocks.</summary>
    public IReadOnlyList<ResnetBlock2D> Resnets => _resnets;

    /// <summary>The transformers after each resnet.</summary>
    public IReadOnlyList<Transformer2DModel> Attentions => _attentions;

    /// <summary>The downsampler, or null.</summary>
    public Downsample2D? Downsampler { get; }

    /// <summary>Runs the level with the encoder hidden states <paramref name="context"/>, pushing each intermediate output onto <paramref name="skips"/>.</summary>
    public TensorView Forward(TensorView input, TensorView temb, TensorView context, SkipStack skips)
    {
        ArgumentNullException.ThrowIfNull(skips);
        var h = input;
        for (int i = 0; i < _resnets.Length; i++)
        {
            h = _attentions[i].Forward(_resnets[i].Forward(h, temb), context);
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
