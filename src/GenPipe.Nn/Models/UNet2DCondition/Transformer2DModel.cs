using GenPipe.Nn.Blocks;
using GenPipe.Nn.Layers;
using GenPipe.Nn.Normalization;
using GenPipe.Tensors;

namespace GenPipe.Nn.Models.UNet2DCondition;

/// <summary>
/// The spatial transformer of diffusion UNets as diffusers' <c>Transformer2DModel</c> on continuous (image) input:
/// <c>norm</c> (group norm, epsilon 1e-6), <c>proj_in</c>, the image as H·W tokens through
/// <c>transformer_blocks.k</c> (<see cref="BasicTransformerBlock"/>: self-attention, cross-attention on the encoder
/// hidden states, GEGLU feed-forward), <c>proj_out</c>, plus the input. The projections are 1x1 convolutions
/// (SD 1.x) or linear layers on the tokens (SD 2.x's <c>use_linear_projection</c>).
/// </summary>
public sealed class Transformer2DModel : Module
{
    // diffusers builds this norm with a fixed epsilon, whatever the UNet's norm_eps.
    private const float NormEpsilon = 1e-6f;

    private readonly BasicTransformerBlock[] _blocks;
    private readonly Conv2d? _convIn;
    private readonly Linear? _linearIn;
    private readonly Conv2d? _convOut;
    private readonly Linear? _linearOut;
    private readonly ActivationBuffer _tokens;
    private readonly ActivationBuffer _image;

    /// <summary>Creates the transformer.</summary>
    /// <param name="channels">Channels of the image in and out.</param>
    /// <param name="heads">Attention heads.</param>
    /// <param name="headDim">Features per head; the tokens have heads × headDim features.</param>
    /// <param name="crossAttentionDim">Features of the encoder hidden states.</param>
    /// <param name="layers">Transformer blocks.</param>
    /// <param name="normGroups">Groups of the input norm.</param>
    /// <param name="useLinearProjection">Linear projections on the tokens instead of 1x1 convolutions.</param>
    public Transformer2DModel(int channels, int heads, int headDim, int crossAttentionDim, int layers, int normGroups, bool useLinearProjection)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(layers, 1);
        _tokens = AddBuffer();
        _image = AddBuffer();
        Channels = channels;
        InnerDim = heads * headDim;
        UseLinearProjection = useLinearProjection;
        Norm = AddChild("norm", new GroupNorm(normGroups, channels, NormEpsilon));
        if (useLinearProjection)
        {
            _linearIn = AddChild("proj_in", new Linear(channels, InnerDim));
        }
        else
        {
            _convIn = AddChild("proj_in", new Conv2d(channels, InnerDim, 1));
        }

        _blocks = new BasicTransformerBlock[layers];
        for (int i = 0; i < layers; i++)
        {
            _blocks[i] = AddChild($"transformer_blocks.{i}", new BasicTransformerBlock(InnerDim, heads, headDim, crossAttentionDim));
        }

        if (useLinearProjection)
        {
            _linearOut = AddChild("proj_out", new Linear(InnerDim, channels));
        }
        else
        {
            _convOut = AddChild("proj_out", new Conv2d(InnerDim, channels, 1));
        }
    }

    /// <summary>Channels of the image.</summary>
    public int Channels { get; }

    /// <summary>Features of the tokens (heads × features per head).</summary>
    public int InnerDim { get; }

    /// <summary>True when <c>proj_in</c> and <c>proj_out</c> are linear layers on tokens, false for 1x1 convolutions.</summary>
    public bool UseLinearProjection { get; }

    /// <summary>The input group norm.</summary>
    public GroupNorm Norm { get; }

    /// <summary>The input projection as a 1x1 convolution, or null when it is linear.</summary>
    public Conv2d? ProjInConv => _convIn;

    /// <summary>The input projection as a linear layer, or null when it is a convolution.</summary>
    public Linear? ProjInLinear => _linearIn;

    /// <summary>The transformer blocks.</summary>
    public IReadOnlyList<BasicTransformerBlock> TransformerBlocks => _blocks;

    /// <summary>The output projection as a 1x1 convolution, or null when it is linear.</summary>
    public Conv2d? ProjOutConv => _convOut;

    /// <summary>The output projection as a linear layer, or null when it is a convolution.</summary>
    public Linear? ProjOutLinear => _linearOut;

    /// <summary>
    /// Runs the transformer on <paramref name="input"/> [B, C, H, W] with <paramref name="context"/> [B, L, D]; the
    /// [B, C, H, W] result (input included) is valid until this module's next forward.
    /// </summary>
    public TensorView Forward(TensorView input, TensorView context)
    {
        if (input.Rank != 4 || input.Dim(1) != Channels)
        {
            throw new ArgumentException($"Transformer2DModel({Channels} channels) expects [B, {Channels}, H, W]; got {input.Shape}.", nameof(input));
        }

        int b = input.Dim(0), h = input.Dim(2), w = input.Dim(3);
        var normed = Norm.Forward(input);
        var tokens = _linearIn is null
            ? ToTokens(_convIn!.Forward(normed), b, h * w)
            : _linearIn.Forward(ToTokens(normed, b, h * w));
        foreach (var block in _blocks)
        {
            tokens = block.Forward(tokens, context);
        }

        if (_convOut is not null)
        {
            // The residual is fused into the 1x1 convolution's epilogue.
            return _convOut.Forward(ToImage(tokens, b, h, w), residual: input);
        }

        var output = ToImage(_linearOut!.Forward(tokens), b, h, w);
        Backend.Add(output, input, output);
        return output;
    }

    // [B, C, H, W] as [B, HW, C] tokens: the projections and attention read a token's features as one row.
    private TensorView ToTokens(TensorView image, int batch, int length)
    {
        int features = image.Dim(1);
        var tokens = _tokens.Get(batch, length, features);
        Backend.Copy(image.Reshape(batch, features, length).Transpose(1, 2), tokens);
        return tokens;
    }

    private TensorView ToImage(TensorView tokens, int batch, int height, int width)
    {
        int features = tokens.Dim(2);
        var image = _image.Get(batch, features, height, width);
        Backend.Copy(tokens.Transpose(1, 2), image.Reshape(batch, features, height * width));
        return image;
    }
}
