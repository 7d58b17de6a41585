namespace GenPipe.Tensors.Backends;

/// <summary>
/// Convolution weights rearranged once, at load, for one backend and one <see cref="Conv2dGeometry"/>. Opaque: only
/// the backend that packed them can use them.
/// </summary>
public abstract class PackedConv2d
{
    /// <summary>Output channels.</summary>
    public abstract int OutChannels { get; }

    /// <summary>Input channels (all groups together).</summary>
    public abstract int InChannels { get; }

    /// <summary>Kernel height.</summary>
    public abstract int KernelH { get; }

    /// <summary>Kernel width.</summary>
    public abstract int KernelW { get; }

    /// <summary>Stride, padding, dilation and groups.</summary>
    public abstract Conv2dGeometry Geometry { get; }

    /// <summary>The device of the backend that packed them.</summary>
    public abstract string Device { get; }

    /// <summary>The bytes it holds (padding included), for memory accounting.</summary>
    public virtual long ByteCount => (long)OutChannels * InChannels * KernelH * KernelW * sizeof(float);
}
