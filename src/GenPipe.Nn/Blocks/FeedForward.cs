using GenPipe.Nn.Layers;
using GenPipe.Tensors;
using GenPipe.Tensors.Backends;

namespace GenPipe.Nn.Blocks;

/// <summary>
/// The transformer MLP as diffusers' <c>FeedForward</c> with <c>activation_fn="gelu"</c>:
/// <c>net.2(gelu(net.0.proj(x)))</c>, the GELU fused into the first product and a residual into the second.
/// </summary>
public sealed class FeedForward : Module
{
    /// <summary>Creates the MLP of <paramref name="dim"/> features with a hidden width of <paramref name="innerDim"/>.</summary>
    public FeedForward(int dim, int innerDim)
    {
        Proj = AddChild("net.0.proj", new Linear(dim, innerDim));
        Out = AddChild("net.2", new Linear(innerDim, dim));
    }

    /// <summary>The first layer (<c>net.0.proj</c>).</summary>
    public Linear Proj { get; }

    /// <summary>The second layer (<c>net.2</c>).</summary>
    public Linear Out { get; }

    /// <summary><c>net.2(gelu(net.0.proj(x))) + residual</c> for [..., dim] input, valid until the next forward.</summary>
    public TensorView Forward(TensorView input, TensorView residual = default) =>
        Out.Forward(Proj.Forward(input, Activation.Gelu), residual: residual);
}
