using System.Runtime.CompilerServices;

namespace GenPipe.Tensors;

/// <summary>
/// A small fixed-capacity list of dimension sizes or strides (rank up to <see cref="MaxRank"/>), stored inline so that
/// tensor views are plain values and creating one allocates nothing.
/// </summary>
public readonly struct Dims : IEquatable<Dims>
{
    /// <summary>The highest rank a tensor may have.</summary>
    public const int MaxRank = 8;

    private readonly Buffer _values;

    /// <summary>Copies <paramref name="values"/> (at most <see cref="MaxRank"/> of them).</summary>
    /// <exception cref="ArgumentException">More than <see cref="MaxRank"/> values.</exception>
    public Dims(ReadOnlySpan<int> values)
    {
        if (values.Length > MaxRank)
        {
            throw new ArgumentException($"Tensors have at most {MaxRank} dimensions; got {values.Length}.", nameof(values));
        }

        Rank = values.Length;
        Buffer buffer = default;
        values.CopyTo(buffer);
        _values = buffer;
    }

    /// <summary>The number of values.</summary>
    public int Rank { get; }

    /// <summary>The value at <paramref name="index"/>; negative indices count from the end.</summary>
    public int this[int index]
    {
        get
        {
            int i = index < 0 ? Rank + index : index;
            if ((uint)i >= (uint)Rank)
            {
                throw new ArgumentOutOfRangeException(nameof(index), $"Axis {index} is out of range for rank {Rank}.");
            }

            return _values[i];
        }
    }

    /// <summary>The product of all values (1 for rank 0).</summary>
    public long Product
    {
        get
        {
            long p = 1;
            for (int i = 0; i < Rank; i++)
            {
                p *= _values[i];
            }

            return p;
        }
    }

    /// <summary>Copies the values into <paramref name="destination"/>.</summary>
    public void CopyTo(Span<int> destination) => ((ReadOnlySpan<int>)_values)[..Rank].CopyTo(destination);

    /// <summary>A new array with the values.</summary>
    public int[] ToArray() => ((ReadOnlySpan<int>)_values)[..Rank].ToArray();

    /// <summary>A copy with the value at <paramref name="index"/> replaced.</summary>
    public Dims With(int index, int value)
    {
        Span<int> copy = stackalloc int[Rank];
        CopyTo(copy);
        copy[index < 0 ? Rank + index : index] = value;
        return new Dims(copy);
    }

    /// <inheritdoc />
    public bool Equals(Dims other)
    {
        if (Rank != other.Rank)
        {
            return false;
        }

        for (int i = 0; i < Rank; i++)
        {
            if (_values[i] != other._values[i])
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Dims other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        for (int i = 0; i < Rank; i++)
        {
            hash.Add(_values[i]);
        }

        return hash.ToHashCode();
    }

    /// <summary>Equality of rank and values.</summary>
    public static bool operator ==(Dims left, Dims right) => left.Equals(right);

    /// <summary>Inequality of rank or values.</summary>
    public static bool operator !=(Dims left, Dims right) => !left.Equals(right);

    /// <summary>Formats as <c>[a, b, c]</c>.</summary>
    public override string ToString() => Tensor.FormatShape(((ReadOnlySpan<int>)_values)[..Rank]);

    [InlineArray(MaxRank)]
    private struct Buffer
    {
        private int _element0;
    }
}
