using System.Runtime.CompilerServices;
using System.Text.Json;

namespace GenPipe.Core.Pipelines;

/// <summary>
/// Where each number of a long option array starts in the file, recorded by the source map's pass (which reads every
/// token anyway), so the array binds by converting those numbers and is never tokenized a second time. Only arrays of
/// numbers (<c>[1, 2]</c>) and arrays of arrays of numbers (<c>[[1, 2], [3]]</c>) have a layout; anything else in
/// them (a string such as <c>"NaN"</c>, a null, a deeper array) binds the ordinary way.
/// </summary>
internal sealed class NumberLayout
{
    private readonly int[] _offsets;
    private readonly int _count;
    private readonly int[]? _rowStarts;
    private readonly int _rows;

    private NumberLayout(int[] offsets, int count, int[]? rowStarts, int rows)
    {
        _offsets = offsets;
        _count = count;
        _rowStarts = rowStarts;
        _rows = rows;
    }

    /// <summary>
    /// The array converted to <paramref name="type"/> (<c>double[]</c>, <c>float[]</c>, <c>double[][]</c> or
    /// <c>float[][]</c>, matching the layout's nesting) exactly as the serializer would convert it, or false when this
    /// type or a number needs the serializer itself (the caller then binds the ordinary way, with its messages).
    /// </summary>
    public bool TryConvert(ReadOnlySpan<byte> utf8, Type type, out object? value)
    {
        value = null;
        try
        {
            bool rows = _rowStarts is not null;
            value = type switch
            {
                _ when type == typeof(double[]) && !rows => Row<double>(utf8, 0, _count),
                _ when type == typeof(float[]) && !rows => Row<float>(utf8, 0, _count),
                _ when type == typeof(double[][]) && rows => Rows<double>(utf8),
                _ when type == typeof(float[][]) && rows => Rows<float>(utf8),
                _ => null,
            };
        }
        catch (FormatException)
        {
            // A number the serializer refuses for this type (out of its range): let it say so.
            value = null;
        }

        return value is not null;
    }

    private T[][] Rows<T>(ReadOnlySpan<byte> utf8)
        where T : struct
    {
        var rows = new T[_rows][];
        for (int r = 0; r < _rows; r++)
        {
            int end = r + 1 < _rows ? _rowStarts![r + 1] : _count;
            rows[r] = Row<T>(utf8, _rowStarts![r], end);
        }

        return rows;
    }

    // T is double or float; the JIT compiles each instantiation with only its own branch.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private T[] Row<T>(ReadOnlySpan<byte> utf8, int from, int to)
        where T : struct
    {
        var row = new T[to - from];
        for (int i = from; i < to; i++)
        {
            var text = NumberAt(utf8, _offsets[i]);
            if (typeof(T) == typeof(double))
            {
                if (!DecimalText.TryParseDouble(text, out double value))
                {
                    // Long mantissas, large exponents: the serializer's own conversion, on the same text.
                    var reader = new Utf8JsonReader(text);
                    reader.Read();
                    value = reader.GetDouble();
                }

                row[i - from] = (T)(object)value;
            }
            else
            {
                if (!DecimalText.TryParseSingle(text, out float value))
                {
                    var reader = new Utf8JsonReader(text);
                    reader.Read();
                    value = reader.GetSingle();
                }

                row[i - from] = (T)(object)value;
            }
        }

        return row;
    }

    // A JSON number token's text: the reader has validated it, so it ends at the first byte that cannot be in one.
    private static ReadOnlySpan<byte> NumberAt(ReadOnlySpan<byte> utf8, int start)
    {
        int end = start;
        while (end < utf8.Length && utf8[end] is (>= (byte)'0' and <= (byte)'9') or (byte)'-' or (byte)'+' or (byte)'.' or (byte)'e' or (byte)'E')
        {
            end++;
        }

        return utf8[start..end];
    }

    /// <summary>Collects a layout token by token while the source map's pass reads an array.</summary>
    internal sealed class Builder
    {
        private int[] _offsets = new int[64];
        private int _count;
        private int[]? _rowStarts;
        private int _rows;
        private bool _invalid;
        private bool _flat;

        /// <summary>One token of the array, at <paramref name="depth"/> 1 for its items and 2 inside them.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Add(JsonTokenType type, int depth, int offset)
        {
            if (_invalid)
            {
                return;
            }

            if (type == JsonTokenType.Number && (depth == 2 || (depth == 1 && _rowStarts is null)))
            {
                _flat |= depth == 1;
                if (_count == _offsets.Length)
                {
                    Array.Resize(ref _offsets, _offsets.Length * 2);
                }

                _offsets[_count++] = offset;
            }
            else if (type == JsonTokenType.StartArray && depth == 1 && !_flat)
            {
                _rowStarts ??= new int[64];
                if (_rows == _rowStarts.Length)
                {
                    Array.Resize(ref _rowStarts, _rowStarts.Length * 2);
                }

                _rowStarts[_rows++] = _count;
            }
            else if (!(type == JsonTokenType.EndArray && depth == 1))
            {
                _invalid = true;
            }
        }

        /// <summary>The layout, or null when the array holds anything but numbers or rows of numbers.</summary>
        public NumberLayout? Build() => _invalid ? null : new NumberLayout(_offsets, _count, _rowStarts, _rows);
    }
}
