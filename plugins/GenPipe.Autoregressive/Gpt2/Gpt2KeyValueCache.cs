using GenPipe.Abstractions.Models;
using GenPipe.Tensors;

using GenPipe.Nn;

namespace GenPipe.Autoregressive.Gpt2;

/// <summary>
/// Keys and values of every GPT-2 layer for a batch of sequences of equal length: per layer one key and one value
/// buffer [batch, heads, capacity, headDim], filled from position 0 up to <see cref="Length"/>.
/// </summary>
/// <remarks>Memory is allocated once, at creation; appending and truncating never allocate.</remarks>
public sealed class Gpt2KeyValueCache : IKeyValueCache
{
    private readonly Tensor[] _keys;
    private readonly Tensor[] _values;
    private bool _disposed;

    /// <summary>Creates an empty cache for <paramref name="batchSize"/> sequences of up to <paramref name="capacity"/> positions.</summary>
    public Gpt2KeyValueCache(int layers, int batchSize, int heads, int capacity, int headDim)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(layers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(heads, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(headDim, 1);
        BatchSize = batchSize;
        Heads = heads;
        Capacity = capacity;
        HeadDim = headDim;
        _keys = new Tensor[layers];
        _values = new Tensor[layers];
        for (int i = 0; i < layers; i++)
        {
            _keys[i] = Tensor.Zeros(batchSize, heads, capacity, headDim);
            _values[i] = Tensor.Zeros(batchSize, heads, capacity, headDim);
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
