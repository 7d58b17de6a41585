namespace GenPipe.Tensors;

/// <summary>
/// Storage rented from a <see cref="TensorBufferPool"/>; <see cref="Dispose"/> gives the buffer back. The buffer may be
/// longer than <see cref="Length"/> (the pool rounds sizes up so that buffers are reused across similar shapes).
/// </summary>
public sealed class PooledStorage : TensorStorage, IDisposable
{
    private readonly TensorBufferPool _pool;
    private float[]? _buffer;
    private readonly int _length;

    internal PooledStorage(TensorBufferPool pool, float[] buffer, int length)
    {
        _pool = pool;
        _buffer = buffer;
        _length = length;
    }

    /// <inheritdoc />
    public override int Length => _length;

    /// <summary>True once the buffer went back to the pool.</summary>
    public bool IsReleased => _buffer is null;

    /// <inheritdoc />
    public override Span<float> Span => Buffer.AsSpan(0, _length);

    /// <inheritdoc />
    public override Memory<float> Memory => Buffer.AsMemory(0, _length);

    private float[] Buffer => _buffer ?? throw new ObjectDisposedException(nameof(PooledStorage), "The tensor's pooled buffer was already returned to its pool.");

    /// <summary>Returns the buffer to its pool; later access throws.</summary>
    public void Dispose()
    {
        float[]? buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null)
        {
            _pool.Return(buffer);
        }
    }
}
