using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace GenPipe.Tensors.Cpu.Gemm;

/// AVX2 + FMA register tiles of three to six rows: C[0..rows, 0..64] (+)= A [rows, kc] · B panel [kc][64], as four
/// 16-column quarters (two ymm accumulators per row: six rows use 12 of the 16 registers). A is addressed as in
/// <see cref="MicroKernel"/>. The row count is a type, so each count compiles to its own kernel without the unused
/// accumulators; the six-row <see cref="MicroKernel"/> and the smaller <see cref="SmallRowsKernel"/> share it.
internal static unsafe class Avx2Quarters
{
    /// <summary>A row count known at compile time.</summary>
    internal interface IRowCount
    {
        static abstract int Count { get; }
    }

    internal readonly struct Two : IRowCount
    {
        public static int Count => 2;
    }

    internal readonly struct Three : IRowCount
    {
        public static int Count => 3;
    }

    internal readonly struct Four : IRowCount
    {
        public static int Count => 4;
    }

    internal readonly struct Five : IRowCount
    {
        public static int Count => 5;
    }

    internal readonly struct Six : IRowCount
    {
        public static int Count => 6;
    }

    /// <summary>The 64 columns of the panel for <typeparamref name="TRows"/> (three to six) rows.</summary>
    public static void Run<TRows>(int kc, float* a, nint aRowStride, nint aStep, float* b, float* c, nint ldc, bool accumulate)
        where TRows : struct, IRowCount
    {
        Quarter<TRows>(kc, a, aRowStride, aStep, b, c, ldc, accumulate);
        Quarter<TRows>(kc, a, aRowStride, aStep, b + 16, c + 16, ldc, accumulate);
        Quarter<TRows>(kc, a, aRowStride, aStep, b + 32, c + 32, ldc, accumulate);
        Quarter<TRows>(kc, a, aRowStride, aStep, b + 48, c + 48, ldc, accumulate);
    }

    // The 16 columns from b and c on.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Quarter<TRows>(int kc, float* a, nint aRowStride, nint aStep, float* b, float* c, nint ldc, bool accumulate)
        where TRows : struct, IRowCount
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        float* a0 = a, a1 = a + aRowStride, a2 = a + (2 * aRowStride), a3 = a + (3 * aRowStride), a4 = a + (4 * aRowStride), a5 = a + (5 * aRowStride);
        nint at = 0;
        for (int k = 0; k < kc; k++, at += aStep)
        {
            var b0 = Avx.LoadVector256(b);
            var b1 = Avx.LoadVector256(b + 8);
            var av = Avx.BroadcastScalarToVector256(a0 + at);
            c00 = Fma.MultiplyAdd(av, b0, c00);
            c01 = Fma.MultiplyAdd(av, b1, c01);
            av = Avx.BroadcastScalarToVector256(a1 + at);
            c10 = Fma.MultiplyAdd(av, b0, c10);
            c11 = Fma.MultiplyAdd(av, b1, c11);
            av = Avx.BroadcastScalarToVector256(a2 + at);
            c20 = Fma.MultiplyAdd(av, b0, c20);
            c21 = Fma.MultiplyAdd(av, b1, c21);
            if (TRows.Count > 3)
            {
                av = Avx.BroadcastScalarToVector256(a3 + at);
                c30 = Fma.MultiplyAdd(av, b0, c30);
                c31 = Fma.MultiplyAdd(av, b1, c31);
            }

            if (TRows.Count > 4)
            {
                av = Avx.BroadcastScalarToVector256(a4 + at);
                c40 = Fma.MultiplyAdd(av, b0, c40);
                c41 = Fma.MultiplyAdd(av, b1, c41);
            }

            if (TRows.Count > 5)
            {
                av = Avx.BroadcastScalarToVector256(a5 + at);
                c50 = Fma.MultiplyAdd(av, b0, c50);
                c51 = Fma.MultiplyAdd(av, b1, c51);
            }

            b += 64;
        }

        MicroKernel.Store16(c, c00, c01, accumulate);
        MicroKernel.Store16(c + ldc, c10, c11, accumulate);
        MicroKernel.Store16(c + (2 * ldc), c20, c21, accumulate);
        if (TRows.Count > 3)
        {
            MicroKernel.Store16(c + (3 * ldc), c30, c31, accumulate);
        }

        if (TRows.Count > 4)
        {
            MicroKernel.Store16(c + (4 * ldc), c40, c41, accumulate);
        }

        if (TRows.Count > 5)
        {
            MicroKernel.Store16(c + (5 * ldc), c50, c51, accumulate);
        }
    }
}
