namespace GenPipe.Tensors.Backends;

/// <summary>
/// A constant right-hand matrix (a layer's weights) rearranged once, at load, into the layout its backend's matrix
/// product reads fastest. Opaque: only the backend that packed it can use it.
/// </summary>
public abstract class PackedMatrix
{
    /// <summary>The shared dimension (rows of the logical [K, N] matrix).</summary>
    public abstract int K { get; }

    /// <summary>The output dimension (columns of the logical [K, N] matrix).</summary>
    public abstract int N { get; }

    /// <summary>The device of the backend that packed it.</summary>
    public abstract string Device { get; }

    /// <summary>The bytes it holds (padding included), for memory accounting.</summary>
    public virtual long ByteCount => (long)K * N * sizeof(float);
}
