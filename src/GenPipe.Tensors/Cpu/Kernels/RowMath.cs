using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace GenPipe.Tensors.Cpu.Kernels;

/// <summary>Vectorized loops over one contiguous run, shared by softmax and the normalizations.</summary>
internal static class RowMath
{
    private const int Lanes = 16;

    /// <summary>Sums of (x - shift) and (x - shift)^2 over a run; float lanes for blocks of at most 1024 elements,
    /// double across blocks, so long runs do not lose digits.</summary>
    public static void ShiftedSums(ref float x, int n, float shift, ref double sum, ref double sumSquares)
    {
        var k = Vector512.Create(shift);
        int i = 0;
        while (i <= n - Lanes)
        {
            int blockEnd = Math.Min(n - Lanes, i + 1024);
            var s0 = Vector512<float>.Zero;
            var q0 = Vector512<float>.Zero;
            var s1 = Vector512<float>.Zero;
            var q1 = Vector512<float>.Zero;
            for (; i <= blockEnd - Lanes; i += 2 * Lanes)
            {
                var d0 = Vector512.LoadUnsafe(ref x, (nuint)i) - k;
                var d1 = Vector512.LoadUnsafe(ref x, (nuint)(i + Lanes)) - k;
                s0 += d0;
                s1 += d1;
                q0 = Vector512.FusedMultiplyAdd(d0, d0, q0);
                q1 = Vector512.FusedMultiplyAdd(d1, d1, q1);
            }

            if (i <= blockEnd)
            {
                var d0 = Vector512.LoadUnsafe(ref x, (nuint)i) - k;
                s0 += d0;
                q0 = Vector512.FusedMultiplyAdd(d0, d0, q0);
                i += Lanes;
            }

            sum += Vector512.Sum(s0 + s1);
            sumSquares += Vector512.Sum(q0 + q1);
        }

        for (; i < n; i++)
        {
            float d = Unsafe.Add(ref x, i) - shift;
            sum += d;
            sumSquares += d * d;
        }
    }

    /// <summary><c>y = TOp(x * scale + shift)</c> over a run; x and y may be the same memory.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ScaleShift<TOp>(ref float x, ref float y, int n, float scale, float shift)
        where TOp : struct, IVectorOp
    {
        var a = Vector512.Create(scale);
        var b = Vector512.Create(shift);
        int i = 0;
        for (; i <= n - Lanes; i += Lanes)
        {
            TOp.Apply(Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref x, (nuint)i), a, b)).StoreUnsafe(ref y, (nuint)i);
        }

        if (i < n)
        {
            ScaleShiftTail<TOp>(ref Unsafe.Add(ref x, i), ref Unsafe.Add(ref y, i), n - i, a, b);
        }
    }

    /// <summary><c>y = ((x - mean) * rstd) * gamma + beta</c> elementwise along a row (layer norm).</summary>
    public static void NormalizeAffine(ref float x, ref float y, ref float gamma, ref float beta, bool hasBeta, int n, float mean, float rstd)
    {
        var m = Vector512.Create(mean);
        var r = Vector512.Create(rstd);
        int i = 0;
        for (; i <= n - Lanes; i += Lanes)
        {
            var normalized = (Vector512.LoadUnsafe(ref x, (nuint)i) - m) * r;
            var g = Vector512.LoadUnsafe(ref gamma, (nuint)i);
            var result = hasBeta
                ? Vector512.FusedMultiplyAdd(normalized, g, Vector512.LoadUnsafe(ref beta, (nuint)i))
                : normalized * g;
            result.StoreUnsafe(ref y, (nuint)i);
        }

        for (; i < n; i++)
        {
            float normalized = (Unsafe.Add(ref x, i) - mean) * rstd;
            Unsafe.Add(ref y, i) = hasBeta ? MathF.FusedMultiplyAdd(normalized, Unsafe.Add(ref gamma, i), Unsafe.Add(ref beta, i)) : normalized * Unsafe.Add(ref gamma, i);
        }
    }

    /// <summary>The largest element of a run (n at least 1).</summary>
    public static float Max(ref float x, int n)
    {
        int i = 0;
        float max = float.NegativeInfinity;
        if (n >= Lanes)
        {
            var m = Vector512.LoadUnsafe(ref x);
            for (i = Lanes; i <= n - Lanes; i += Lanes)
            {
                m = Vector512.Max(m, Vector512.LoadUnsafe(ref x, (nuint)i));
            }

            max = HorizontalMax(m);
        }

        for (; i < n; i++)
        {
            max = Math.Max(max, Unsafe.Add(ref x, i));
        }

        return max;
    }

    /// <summary><c>y = exp(x - max)</c>, returning the sum of y; x and y may be the same memory.</summary>
    public static float ExpSubtractSum(ref float x, ref float y, int n, float max)
    {
        var m = Vector512.Create(max);
        var sum = Vector512<float>.Zero;
        int i = 0;
        for (; i <= n - Lanes; i += Lanes)
        {
            var e = FastExp.Exp(Vector512.LoadUnsafe(ref x, (nuint)i) - m);
            sum += e;
            e.StoreUnsafe(ref y, (nuint)i);
        }

        if (i < n)
        {
            // The tail in one vector through a stack buffer padded with -inf (e^-inf = 0 adds nothing): rows of 77
            // text tokens would otherwise spend most of their time in 13 scalar exponentials.
            Span<float> buffer = stackalloc float[Lanes];
            buffer.Fill(float.NegativeInfinity);
            for (int t = i; t < n; t++)
            {
                buffer[t - i] = Unsafe.Add(ref x, t);
            }

            var e = FastExp.Exp(Vector512.Create<float>(buffer) - m);
            sum += e;
            e.CopyTo(buffer);
            for (int t = i; t < n; t++)
            {
                Unsafe.Add(ref y, t) = buffer[t - i];
            }
        }

        return Vector512.Sum(sum);
    }

    /// <summary><c>y *= factor</c> along a run.</summary>
    public static void Multiply(ref float y, int n, float factor)
    {
        var f = Vector512.Create(factor);
        int i = 0;
        for (; i <= n - Lanes; i += Lanes)
        {
            (Vector512.LoadUnsafe(ref y, (nuint)i) * f).StoreUnsafe(ref y, (nuint)i);
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref y, i) *= factor;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float HorizontalMax(Vector512<float> v)
    {
        var m256 = Vector256.Max(v.GetLower(), v.GetUpper());
        var m128 = Vector128.Max(m256.GetLower(), m256.GetUpper());
        float a = Math.Max(m128[0], m128[1]);
        float b = Math.Max(m128[2], m128[3]);
        return Math.Max(a, b);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ScaleShiftTail<TOp>(ref float x, ref float y, int n, Vector512<float> a, Vector512<float> b)
        where TOp : struct, IVectorOp
    {
        Span<float> buffer = stackalloc float[Lanes];
        buffer.Clear();
        for (int i = 0; i < n; i++)
        {
            buffer[i] = Unsafe.Add(ref x, i);
        }

        TOp.Apply(Vector512.FusedMultiplyAdd(Vector512.Create<float>(buffer), a, b)).CopyTo(buffer);
        for (int i = 0; i < n; i++)
        {
            Unsafe.Add(ref y, i) = buffer[i];
        }
    }
}
