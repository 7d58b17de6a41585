using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace GenPipe.Tensors.SafeTensors;

/// <summary>
/// bfloat16 &lt;-&gt; float32, vectorized. bfloat16 is the upper half of a float32, so widening is a zero-extend and a
/// 16-bit shift; narrowing rounds the dropped half to nearest, ties to even, and turns every NaN into the quiet NaN
/// 0x7FC0, the way PyTorch's <c>c10::BFloat16</c> does.
/// </summary>
/// <remarks>
/// AVX-512 BF16 instructions are not used: .NET 10 exposes no <c>Avx512Bf16</c> intrinsics class, the widening
/// direction has no instruction of its own (it is the shift below, already limited by memory bandwidth), and the
/// narrowing instruction VCVTNEPS2BF16 always flushes subnormal inputs and outputs to zero, which would differ from
/// PyTorch on small values.
/// </remarks>
internal static class BFloat16Conversion
{
    /// <summary>Widens bfloat16 bit patterns to float32.</summary>
    public static void ToSingle(ReadOnlySpan<ushort> source, Span<float> destination)
    {
        if (destination.Length < source.Length)
        {
            throw new ArgumentException("Destination is too short.", nameof(destination));
        }

        ref ushort src = ref MemoryMarshal.GetReference(source);
        ref uint dst = ref Unsafe.As<float, uint>(ref MemoryMarshal.GetReference(destination));
        nuint length = (nuint)source.Length;
        nuint i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + (nuint)Vector512<ushort>.Count <= length; i += (nuint)Vector512<ushort>.Count)
            {
                (Vector512<uint> lower, Vector512<uint> upper) = Vector512.Widen(Vector512.LoadUnsafe(ref src, i));
                Vector512.ShiftLeft(lower, 16).StoreUnsafe(ref dst, i);
                Vector512.ShiftLeft(upper, 16).StoreUnsafe(ref dst, i + (nuint)Vector512<uint>.Count);
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + (nuint)Vector256<ushort>.Count <= length; i += (nuint)Vector256<ushort>.Count)
            {
                (Vector256<uint> lower, Vector256<uint> upper) = Vector256.Widen(Vector256.LoadUnsafe(ref src, i));
                Vector256.ShiftLeft(lower, 16).StoreUnsafe(ref dst, i);
                Vector256.ShiftLeft(upper, 16).StoreUnsafe(ref dst, i + (nuint)Vector256<uint>.Count);
            }
        }

        if (Vector128.IsHardwareAccelerated)
        {
            for (; i + (nuint)Vector128<ushort>.Count <= length; i += (nuint)Vector128<ushort>.Count)
            {
                (Vector128<uint> lower, Vector128<uint> upper) = Vector128.Widen(Vector128.LoadUnsafe(ref src, i));
                Vector128.ShiftLeft(lower, 16).StoreUnsafe(ref dst, i);
                Vector128.ShiftLeft(upper, 16).StoreUnsafe(ref dst, i + (nuint)Vector128<uint>.Count);
            }
        }

        for (; i < length; i++)
        {
            Unsafe.Add(ref dst, i) = (uint)Unsafe.Add(ref src, i) << 16;
        }
    }

    /// <summary>Narrows float32 values to bfloat16 bit patterns, rounding to nearest even.</summary>
    public static void FromSingle(ReadOnlySpan<float> source, Span<ushort> destination)
    {
        if (destination.Length < source.Length)
        {
            throw new ArgumentException("Destination is too short.", nameof(destination));
        }

        ref uint src = ref Unsafe.As<float, uint>(ref MemoryMarshal.GetReference(source));
        ref ushort dst = ref MemoryMarshal.GetReference(destination);
        nuint length = (nuint)source.Length;
        nuint i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            nuint step = (nuint)Vector512<uint>.Count;
            for (; i + (2 * step) <= length; i += 2 * step)
            {
                Vector512<uint> lower = Round(Vector512.LoadUnsafe(ref src, i));
                Vector512<uint> upper = Round(Vector512.LoadUnsafe(ref src, i + step));
                Vector512.Narrow(lower, upper).StoreUnsafe(ref dst, i);
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            nuint step = (nuint)Vector256<uint>.Count;
            for (; i + (2 * step) <= length; i += 2 * step)
            {
                Vector256<uint> lower = Round(Vector256.LoadUnsafe(ref src, i));
                Vector256<uint> upper = Round(Vector256.LoadUnsafe(ref src, i + step));
                Vector256.Narrow(lower, upper).StoreUnsafe(ref dst, i);
            }
        }

        for (; i < length; i++)
        {
            Unsafe.Add(ref dst, i) = Round(Unsafe.Add(ref src, i));
        }
    }

    /// <summary>One value: NaN becomes the quiet NaN; otherwise add 0x7FFF plus the kept lowest bit, then truncate.</summary>
    public static ushort Round(uint bits)
    {
        if ((bits & 0x7FFF_FFFF) > 0x7F80_0000)
        {
            return 0x7FC0;
        }

        // Overflow into the exponent is intended: the largest finite values round up to infinity, as in IEEE.
        return (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
    }

    private static Vector512<uint> Round(Vector512<uint> bits)
    {
        Vector512<uint> isNaN = Vector512.GreaterThan(bits & Vector512.Create(0x7FFF_FFFFu), Vector512.Create(0x7F80_0000u));
        Vector512<uint> rounded = (bits + Vector512.Create(0x7FFFu) + (Vector512.ShiftRightLogical(bits, 16) & Vector512<uint>.One)) >>> 16;
        return Vector512.ConditionalSelect(isNaN, Vector512.Create(0x7FC0u), rounded);
    }

    private static Vector256<uint> Round(Vector256<uint> bits)
    {
        Vector256<uint> isNaN = Vector256.GreaterThan(bits & Vector256.Create(0x7FFF_FFFFu), Vector256.Create(0x7F80_0000u));
        Vector256<uint> rounded = (bits + Vector256.Create(0x7FFFu) + (Vector256.ShiftRightLogical(bits, 16) & Vector256<uint>.One)) >>> 16;
        return Vector256.ConditionalSelect(isNaN, Vector256.Create(0x7FC0u), rounded);
    }
}
