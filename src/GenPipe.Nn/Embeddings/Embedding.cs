using GenPipe.Tensors;

namespace GenPipe.Nn.Embeddings;

/// <summary>A lookup table as PyTorch's <c>nn.Embedding</c>: <c>weight</c> [count, dim].</summary>
public sealed class Embedding : Module
{
    private readonly ActivationBuffer _output;

    /// <summary>Creates a table of <paramref name="count"/> rows of <paramref name="dim"/>.</summary>
    public Embedding(int count, int dim)
    {
        _output = AddBuffer();
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(dim, 1);
        Count = count;
        Dim = dim;
        Weight = AddParameter("weight", count, dim);
    }

    /// <summary>Rows.</summary>
    public int Count { get; }

    /// <summary>Row length.</summary>
    public int Dim { get; }

    /// <summary>The table [count, dim].</summary>
    public Parameter Weight { get; }

    /// <summary>The rows for <paramref name="ids"/> as [ids, dim], in the module's own buffer (valid until its next forward).</summary>
    public TensorView Forward(ReadOnlySpan<int> ids)
    {
        var output = _output.Get(ids.Length, Dim);
        Backend.Embedding(Weight.View, ids, output);
        return output;
    }
}
