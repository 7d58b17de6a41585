using GenPipe.Nn.Layers;
using GenPipe.Tensors;
using GenPipe.Tensors.Backends;

namespace GenPipe.Nn.Embeddings;

/// <summary>
/// The timestep MLP as diffusers' <c>TimestepEmbedding</c>: <c>linear_2(silu(linear_1(x)))</c>, the SiLU fused into
/// <c>linear_1</c>'s epilogue.
/// </summary>
public sealed class TimestepEmbedding : Module
{
    /// <summary>Creates the MLP from <paramref name="inChannels"/> features to <paramref name="embedDim"/>.</summary>
    public TimestepEmbedding(int inChannels, int embedDim)
    {
        Linear1 = AddChild("linear_1", new Linear(inChannels, embedDim));
        Linear2 = AddChild("linear_2", new Linear(embedDim, embedDim));
    }

    /// <summary>The first layer.</summary>
    public Linear Linear1 { get; }

    /// <summary>The second layer.</summary>
    public Linear Linear2 { get; }

    /// <summary>Embeds <paramref name="input"/> [N, in] to [N, embed] (valid until the next forward).</summary>
    public TensorView Forward(TensorView input) => Linear2.Forward(Linear1.Forward(input, Activation.Silu));
}
