using GenPipe.Abstractions.Models;
using GenPipe.Tensors;
using GenPipe.Tensors.Backends;

using GenPipe.Nn;

namespace GenPipe.Autoregressive.Gpt2;

/// <summary>
/// Keys and values of every GPT-2 layer for a batch of sequences of equal length: per layer one key and one value
/// buffer [batch, heads, capacity, headDim], filled from position 0 up to <see cref="Length"/>. A left-padded batch
/// (<see cref="LeftPadding"/>) holds shorter sequences too: row r's first positions are padding, which attention skips.
/// </summary>
/// <remarks>Memory is allocated once, at creation; appending and truncating never allocate.</remarks>
public sealed class Gpt2KeyValueCache : IKeyValueCache
{
    private readonly Tensor[] _keys;
    private readonly Tensor[] _values;
    private readonly int[] _leftPadding;
    private bool _disposed;

    /// <summary>
    /// Creates an empty cache for a left-padded batch: sequence r starts with <paramref name="leftPadding"/>[r]
    /// padding positions (null: none), which every forward masks out and leaves out of the position numbering. The
    /// buffers are allocated by <paramref name="backend"/>, on its device.
    /// </summary>
    /// <exception cref="ArgumentException">The padding has not one entry per sequence, or one is negative or fills the capacity.</exception>
    public Gpt2KeyValueCache(ITensorBackend backend, int layers, int batchSize, int heads, int capacity, int headDim, IReadOnlyList<int>? leftPadding)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentOutOfRangeException.ThrowIfLessThan(layers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(heads, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(headDim, 1);
        _leftPadding = new int[batchSize];
        if (leftPadding is not null)
        {
            if (leftPadding.Count != batchSize)
            {
                throw new ArgumentException($"{leftPadding.Count} left paddings for {batchSize} sequences; give one per sequence.", nameof(leftPadding));
            }

            for (int r = 0; r < batchSize; r++)
            {
                if (leftPadding[r] < 0 || leftPadding[r] >= capacity)
                {
                    throw new ArgumentException($"Sequence {r} has {leftPadding[r]} padding positions; it must be in [0, {capacity}) (the cache's capacity).", nameof(leftPadding));
                }

                _leftPadding[r] = leftPadding[r];
            }
        }

        IsPadded = _leftPadding.AsSpan().ContainsAnyExcept(0);
        BatchSize = batchSize;
        Heads = heads;
        Capacity = capacity;
        HeadDim = headDim;
        _keys = new Tensor[layers];
        _values = new Tensor[layers];
        for (int i = 0; i < layers; i++)
        {
            _keys[i] = Tensor.Zeros(backend, batchSize, heads, capacity, headDim);
            _values[i] = Tensor.Zeros(backend, batchSize, heads, capacity, headDim);
        }
    }

    /// <summary>Sequences in the batch.</summary>
    public int BatchSize { get; }

    /// <summary>Attention heads per layer.</summary>
    public int Heads { get; }

    /// <summary>The most positions the cache holds.</summary>
    public int Capacity { get; }

    /// <summary>Features per head.</summary>
    public int HeadDim { get; }

    /// <summary>Layers.</summary>
    public int Layers => _keys.Length;

    /// <summary>Per sequence, the padding positions before its first real token (all zero for an unpadded batch).</summary>
    public IReadOnlyList<int> LeftPadding => _leftPadding;

    /// <summary>Whether some sequence is padded, so that attention must mask.</summary>
    public bool IsPadded { get; }

    /// <summary>The padding per sequence, as the attention kernel's key starts.</summary>
    internal ReadOnlySpan<int> KeyStarts => _leftPadding;

    /// <inheritdoc />
    public int Length { get; private set; }

    /// <inheritdoc />
    public void Truncate(int length)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Length);

        // Positions past Length are never read (attention sees keys 0 .. Length + new - 1), so nothing is cleared.
        Length = length;
    }

    /// <summary>Forgets every position.</summary>
    public void Clear() => Truncate(0);

    /// <summary>The key buffer of <paramref name="layer"/>, [batch, heads, capacity, headDim].</summary>
    public TensorView Keys(int layer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _keys[layer].View;
    }

    /// <summary>The value buffer of <paramref name="layer"/>, [batch, heads, capacity, headDim].</summary>
    public TensorView Values(int layer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _values[layer].View;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var tensor in _keys.Concat(_values))
        {
            tensor.Dispose();
        }
    }

    /// <summary>Marks <paramref name="count"/> more positions as cached (after every layer wrote them).</summary>
    internal void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Length + count, Capacity);
        Length += count;
    }
}
