using GenPipe.Nn.Layers;
using GenPipe.Nn.Normalization;
using GenPipe.Tensors;
using GenPipe.Tensors.Backends;

namespace GenPipe.Nn.Models.Clip;

/// <summary>
/// One pre-norm transformer layer as transformers' <c>CLIPEncoderLayer</c>:
/// <c>x += self_attn(layer_norm1(x))</c>, then <c>x += mlp.fc2(act(mlp.fc1(layer_norm2(x))))</c>, each residual fused
/// into the preceding projection and the activation into <c>fc1</c>.
/// </summary>
public sealed class ClipEncoderLayer : Module
{
    private readonly Activation _activation;

    /// <summary>Creates the layer for <paramref name="config"/>.</summary>
    public ClipEncoderLayer(ClipTextConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        _activation = config.MlpActivation;
        SelfAttn = AddChild("self_attn", new ClipAttention(config.HiddenSize, config.NumAttentionHeads));
        LayerNorm1 = AddChild("layer_norm1", new LayerNorm(config.HiddenSize, config.LayerNormEps));
        Fc1 = AddChild("mlp.fc1", new Linear(config.HiddenSize, config.IntermediateSize));
        Fc2 = AddChild("mlp.fc2", new Linear(config.IntermediateSize, config.HiddenSize));
        LayerNorm2 = AddChild("layer_norm2", new LayerNorm(config.HiddenSize, config.LayerNormEps));
    }

    /// <summary>The self-attention.</summary>
    public ClipAttention SelfAttn { get; }

    /// <summary>The norm before attention.</summary>
    public LayerNorm LayerNorm1 { get; }

    /// <summary>The MLP's first layer (<c>mlp.fc1</c>).</summary>
    public Linear Fc1 { get; }

    /// <summary>The MLP's second layer (<c>mlp.fc2</c>).</summary>
    public Linear Fc2 { get; }

    /// <summary>The norm before the MLP.</summary>
    public LayerNorm LayerNorm2 { get; }

    /// <summary>Runs the layer on <paramref name="hidden"/> [B, L, D] with causal attention; the result (in <c>fc2</c>'s buffer) is valid until this layer's next forward.</summary>
    public TensorView Forward(TensorView hidden)
    {
        var attended = SelfAttn.Forward(LayerNorm1.Forward(hidden), residual: hidden);
        return Fc2.Forward(Fc1.Forward(LayerNorm2.Forward(attended), _activation), residual: attended);
    }
}
