using GenPipe.Nn.Layers;
using GenPipe.Tensors;
using GenPipe.Tensors.Backends;

namespace GenPipe.Nn.Blocks;

/// <summary>
/// The transformer MLP as diffusers' <c>FeedForward</c>: <c>net.2(act(net.0.proj(x)))</c> with GELU (fused into the
/// first product) or GEGLU (<c>net.0.proj</c> twice as wide, the first half gated by GELU of the second), and a
/// residual fused into <c>net.2</c>.
/// </summary>
public sealed class FeedForward : Module
{
    private readonly ActivationBuffer _gated;

    /// <summary>Creates the MLP of <paramref name="dim"/> features with a hidden width of <paramref name="innerDim"/>.</summary>
    public FeedForward(int dim, int innerDim, FeedForwardActivation activation = FeedForwardActivation.Gelu)
    {
        _gated = AddBuffer();
        InnerDim = innerDim;
        Activation = activation;
        int projected = activation == FeedForwardActivation.Geglu ? innerDim * 2 : innerDim;
        Proj = AddChild("net.0.proj", new Linear(dim, projected));
        Out = AddChild("net.2", new Linear(innerDim, dim));
    }

    /// <summary>The hidden width.</summary>
    public int InnerDim { get; }

    /// <summary>The hidden activation.</summary>
    public FeedForwardActivation Activation { get; }

    /// <summary>The first layer (<c>net.0.proj</c>).</summary>
    public Linear Proj { get; }

    /// <summary>The second layer (<c>net.2</c>).</summary>
    public Linear Out { get; }

    /// <summary><c>net.2(act(net.0.proj(x))) + residual</c> for [..., dim] input, valid until the next forward.</summary>
    public TensorView Forward(TensorView input, TensorView residual = default)
    {
        if (Activation == FeedForwardActivation.Gelu)
        {
            return Out.Forward(Proj.Forward(input, Tensors.Backends.Activation.Gelu), residual: residual);
        }

        // GEGLU: both halves are strided views of the projection; gelu(gate) lands in a dense buffer, times hidden.
        var projected = Proj.Forward(input);
        Span<int> shape = stackalloc int[projected.Rank];
        projected.Shape.CopyTo(shape);
        shape[^1] = InnerDim;
        var gated = _gated.Get(shape);
        Backend.Activate(projected.Slice(-1, InnerDim, InnerDim), gated, Tensors.Backends.Activation.Gelu);
        Backend.Multiply(gated, projected.Slice(-1, 0, InnerDim), gated);
        return Out.Forward(gated, residual: residual);
    }
}
