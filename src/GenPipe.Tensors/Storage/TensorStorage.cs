namespace GenPipe.Tensors;

/// <summary>
/// The float32 elements behind one or more tensor views: a managed array, a pooled buffer or a memory-mapped file.
/// </summary>
/// <remarks>
/// Storage is always float32 in memory: float16 and bfloat16 files are converted when they are loaded, because every
/// kernel computes in float32. <see cref="Device"/> names where the elements live, so that a backend can refuse storage
/// it cannot address.
/// </remarks>
public abstract class TensorStorage
{
    /// <summary>The number of float32 elements.</summary>
    public abstract int Length { get; }

    /// <summary>The device that holds the elements (<c>cpu</c> for every storage in this assembly).</summary>
    public virtual string Device => CpuDevice.Name;

    /// <summary>All elements.</summary>
    public abstract Span<float> Span { get; }

    /// <summary>All elements as memory, for code that cannot hold a span across an await.</summary>
    public abstract Memory<float> Memory { get; }

    /// <summary>
    /// Says that elements [<paramref name="start"/>, <paramref name="start"/> + <paramref name="length"/>) will not be
    /// read soon, so that memory they hold can go back to the operating system. A memory-mapped storage drops the pages
    /// that lie wholly inside the range from the process (they are read again from the file if touched; writes made
    /// to them are lost, so call it only on elements nobody writes, such as weights a layer has packed); other storages
    /// keep their elements and ignore it.
    /// </summary>
    public virtual void ReleasePages(int start, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Length - start);
    }
}
