using GenPipe.Tensors;
using GenPipe.Tensors.Backends;

using GenPipe.Nn;

namespace GenPipe.Autoregressive.Gpt2;

/// <summary>GPT-2's feed-forward: <c>c_proj(gelu_new(c_fc(x)))</c> with a 4× hidden width; GELU and the residual are fused.</summary>
public sealed class Gpt2Mlp : Module
{
    /// <summary>Creates the module for <paramref name="embeddingDim"/> features.</summary>
    public Gpt2Mlp(int embeddingDim)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(embeddingDim, 1);
        CFc = AddChild("c_fc", new Gpt2Conv1D(embeddingDim, 4 * embeddingDim));
        CProj = AddChild("c_proj", new Gpt2Conv1D(4 * embeddingDim, embeddingDim));
    }

    /// <summary>The widening projection.</summary>
    public Gpt2Conv1D CFc { get; }

    /// <summary>The narrowing projection.</summary>
    public Gpt2Conv1D CProj { get; }

    /// <summary><c>c_proj(gelu_new(c_fc(normed))) + residual</c>, valid until this module's next forward.</summary>
    public TensorView Forward(TensorView normed, TensorView residual) =>
        CProj.Forward(CFc.Forward(normed, Activation.GeluTanh), residual: residual);
}
