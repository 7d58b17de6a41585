using System.Collections;

namespace GenPipe.Autoregressive.Generation;

/// <summary>
/// The first <see cref="Count"/> tokens of a shared buffer, as the prefix a sampler sees for one position. Speculative
/// decoding asks the sampler about several positions of one sequence at once (each with its own prefix, so repetition
/// penalties see the right tokens) without copying the sequence for each.
/// </summary>
internal sealed class SpeculativePrefix : IReadOnlyList<int>
{
    private readonly int[] _tokens;
    private int _count;

    public SpeculativePrefix(int[] tokens) => _tokens = tokens;

    /// <summary>How many tokens of the buffer the prefix holds.</summary>
    public int Count
    {
        get => _count;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, _tokens.Length);
            _count = value;
        }
    }

    public int this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, _count);
            return _tokens[index];
        }
    }

    public IEnumerator<int> GetEnumerator()
    {
        for (int i = 0; i < _count; i++)
        {
            yield return _tokens[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
