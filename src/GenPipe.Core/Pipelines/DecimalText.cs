using System.Runtime.CompilerServices;
namespace GenPipe.Core.Pipelines;

/// <summary>
/// Exact conversion of short JSON numbers (<c>-3.444219</c>, <c>1e-4</c>) to binary floating point, several times faster
/// than the general parser: options can hold millions of such numbers. Only the cases that are exact by construction
/// are taken (Clinger's fast path: a decimal mantissa that fits the format's significand, scaled by a power of ten that
/// is itself exact, so the one multiplication or division rounds once and correctly); everything else answers false and
/// is left to the general parser, which gives the same bits for the cases taken here.
/// </summary>
internal static class DecimalText
{
    // 10^0 .. 10^22 are exact doubles; 10^0 .. 10^10 are exact floats.
    private static readonly double[] DoublePowers =
    [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
        1e20, 1e21, 1e22,
    ];

    private static readonly float[] SinglePowers = [1e0f, 1e1f, 1e2f, 1e3f, 1e4f, 1e5f, 1e6f, 1e7f, 1e8f, 1e9f, 1e10f];

    /// <summary>The double <paramref name="utf8"/> denotes, when it is in the exact fast path.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryParseDouble(ReadOnlySpan<byte> utf8, out double value)
    {
        value = 0;
        if (!TryDecompose(utf8, out bool negative, out ulong mantissa, out int exponent)
            || mantissa > 1UL << 53 || exponent < -22 || exponent > 22)
        {
            return false;
        }

        double magnitude = exponent >= 0 ? mantissa * DoublePowers[exponent] : mantissa / DoublePowers[-exponent];
        value = negative ? -magnitude : magnitude;
        return true;
    }

    /// <summary>The float <paramref name="utf8"/> denotes, when it is in the exact fast path.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryParseSingle(ReadOnlySpan<byte> utf8, out float value)
    {
        value = 0;
        if (!TryDecompose(utf8, out bool negative, out ulong mantissa, out int exponent)
            || mantissa > 1UL << 24 || exponent < -10 || exponent > 10)
        {
            return false;
        }

        float magnitude = exponent >= 0 ? mantissa * SinglePowers[exponent] : mantissa / SinglePowers[-exponent];
        value = negative ? -magnitude : magnitude;
        return true;
    }

    // A JSON number (already validated by the reader) as sign, up to 19 significant digits and a power of ten. False
    // for more digits or an exponent with more than four digits: the general parser handles those.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool TryDecompose(ReadOnlySpan<byte> utf8, out bool negative, out ulong mantissa, out int exponent)
    {
        negative = false;
        mantissa = 0;
        exponent = 0;
        int i = 0;
        if (i < utf8.Length && utf8[i] == (byte)'-')
        {
            negative = true;
            i++;
        }

        int digits = 0;
        bool fraction = false;
        for (; i < utf8.Length; i++)
        {
            byte b = utf8[i];
            if (b == (byte)'.')
            {
                fraction = true;
                continue;
            }

            uint digit = (uint)(b - '0');
            if (digit > 9)
            {
                break;
            }

            if (fraction)
            {
                exponent--;
            }

            // Leading zeros are not significant digits.
            if (mantissa == 0 && digit == 0)
            {
                continue;
            }

            if (++digits > 19)
            {
                return false;
            }

            mantissa = (mantissa * 10) + digit;
        }

        if (i == utf8.Length)
        {
            return true;
        }

        if (utf8[i] is not ((byte)'e' or (byte)'E'))
        {
            return false;
        }

        i++;
        bool negativeExponent = false;
        if (i < utf8.Length && utf8[i] is (byte)'+' or (byte)'-')
        {
            negativeExponent = utf8[i] == (byte)'-';
            i++;
        }

        int written = 0;
        int length = utf8.Length - i;
        if (length is 0 or > 4)
        {
            return false;
        }

        for (; i < utf8.Length; i++)
        {
            uint digit = (uint)(utf8[i] - '0');
            if (digit > 9)
            {
                return false;
            }

            written = (written * 10) + (int)digit;
        }

        exponent += negativeExponent ? -written : written;
        return true;
    }
}
