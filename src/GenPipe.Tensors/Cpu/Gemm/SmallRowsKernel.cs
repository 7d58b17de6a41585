using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace GenPipe.Tensors.Cpu.Gemm;

/// Register tiles of 1 to MR - 1 rows: C[0..rows, 0..64] (+)= A [rows, kc] · B panel [kc][64], with A addressed as in
/// <see cref="MicroKernel"/>. The six-row kernel on a zero-padded sliver computes six rows whatever the product has; a
/// decode step of a language model has one row per sequence, so it paid for six. Here each row count has its own
/// specialization (a generic over the count, so the unused accumulators compile away), and one row runs two
/// independent accumulator sets so that two FMA pipes stay busy.
internal static unsafe class SmallRowsKernel
{
    /// True where these kernels run (AVX-512 or AVX2 + FMA); elsewhere the caller keeps the padded six-row path.
    public static bool Supported => MicroKernel.UsesAvx512 || MicroKernel.UsesAvx2;

    public static void Run(int rows, int kc, float* a, nint aRowStride, nint aStep, float* b, float* c, nint ldc, bool accumulate)
    {
        if (MicroKernel.UsesAvx2)
        {
            RunAvx2(rows, kc, a, aRowStride, aStep, b, c, ldc, accumulate);
            return;
        }

        switch (rows)
        {
            case 1:
                One(kc, a, aStep, b, c, accumulate);
                break;
            case 2:
                Several<Avx2Quarters.Two>(kc, a, aRowStride, aStep, b, c, ldc, accumulate);
                break;
            case 3:
                Several<Avx2Quarters.Three>(kc, a, aRowStride, aStep, b, c, ldc, accumulate);
                break;
            case 4:
                Several<Avx2Quarters.Four>(kc, a, aRowStride, aStep, b, c, ldc, accumulate);
                break;
            case 5:
                Several<Avx2Quarters.Five>(kc, a, aRowStride, aStep, b, c, ldc, accumulate);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(rows), rows, $"SmallRowsKernel takes 1 to {GemmBlocking.MR - 1} rows.");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void One(int kc, float* a, nint aStep, float* b, float* c, bool accumulate)
    {
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default;
        Vector512<float> d0 = default, d1 = default, d2 = default, d3 = default;
        nint at = 0;
        int k = 0;
        for (; k + 1 < kc; k += 2, at += 2 * aStep)
        {
            var av = Vector512.Create(a[at]);
            c0 = Avx512F.FusedMultiplyAdd(av, Vector512.Load(b), c0);
            c1 = Avx512F.FusedMultiplyAdd(av, Vector512.Load(b + 16), c1);
            c2 = Avx512F.FusedMultiplyAdd(av, Vector512.Load(b + 32), c2);
            c3 = Avx512F.FusedMultiplyAdd(av, Vector512.Load(b + 48), c3);
            var aw = Vector512.Create(a[at + aStep]);
            d0 = Avx512F.FusedMultiplyAdd(aw, Vector512.Load(b + 64), d0);
            d1 = Avx512F.FusedMultiplyAdd(aw, Vector512.Load(b + 80), d1);
            d2 = Avx512F.FusedMultiplyAdd(aw, Vector512.Load(b + 96), d2);
            d3 = Avx512F.FusedMultiplyAdd(aw, Vector512.Load(b + 112), d3);
            b += 128;
        }

        if (k < kc)
        {
            var av = Vector512.Create(a[at]);
            c0 = Avx512F.FusedMultiplyAdd(av, Vector512.Load(b), c0);
            c1 = Avx512F.FusedMultiplyAdd(av, Vector512.Load(b + 16), c1);
            c2 = Avx512F.FusedMultiplyAdd(av, Vector512.Load(b + 32), c2);
            c3 = Avx512F.FusedMultiplyAdd(av, Vector512.Load(b + 48), c3);
        }

        Store(c, c0 + d0, c1 + d1, c2 + d2, c3 + d3, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Several<TRows>(int kc, float* a, nint aRowStride, nint aStep, float* b, float* c, nint ldc, bool accumulate)
        where TRows : struct, Avx2Quarters.IRowCount
    {
        Vector512<float> c00 = default, c01 = default, c02 = default, c03 = default;
        Vector512<float> c10 = default, c11 = default, c12 = default, c13 = default;
        Vector512<float> c20 = default, c21 = default, c22 = default, c23 = default;
        Vector512<float> c30 = default, c31 = default, c32 = default, c33 = default;
        Vector512<float> c40 = default, c41 = default, c42 = default, c43 = default;
        float* a0 = a, a1 = a + aRowStride, a2 = a + (2 * aRowStride), a3 = a + (3 * aRowStride), a4 = a + (4 * aRowStride);
        nint at = 0;
        for (int k = 0; k < kc; k++, at += aStep)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            var b2 = Vector512.Load(b + 32);
            var b3 = Vector512.Load(b + 48);
            var av = Vector512.Create(a0[at]);
            c00 = Avx512F.FusedMultiplyAdd(av, b0, c00);
            c01 = Avx512F.FusedMultiplyAdd(av, b1, c01);
            c02 = Avx512F.FusedMultiplyAdd(av, b2, c02);
            c03 = Avx512F.FusedMultiplyAdd(av, b3, c03);
            av = Vector512.Create(a1[at]);
            c10 = Avx512F.FusedMultiplyAdd(av, b0, c10);
            c11 = Avx512F.FusedMultiplyAdd(av, b1, c11);
            c12 = Avx512F.FusedMultiplyAdd(av, b2, c12);
            c13 = Avx512F.FusedMultiplyAdd(av, b3, c13);
            if (TRows.Count > 2)
            {
                av = Vector512.Create(a2[at]);
                c20 = Avx512F.FusedMultiplyAdd(av, b0, c20);
                c21 = Avx512F.FusedMultiplyAdd(av, b1, c21);
                c22 = Avx512F.FusedMultiplyAdd(av, b2, c22);
                c23 = Avx512F.FusedMultiplyAdd(av, b3, c23);
            }

            if (TRows.Count > 3)
            {
                av = Vector512.Create(a3[at]);
                c30 = Avx512F.FusedMultiplyAdd(av, b0, c30);
                c31 = Avx512F.FusedMultiplyAdd(av, b1, c31);
                c32 = Avx512F.FusedMultiplyAdd(av, b2, c32);
                c33 = Avx512F.FusedMultiplyAdd(av, b3, c33);
            }

            if (TRows.Count > 4)
            {
                av = Vector512.Create(a4[at]);
                c40 = Avx512F.FusedMultiplyAdd(av, b0, c40);
                c41 = Avx512F.FusedMultiplyAdd(av, b1, c41);
                c42 = Avx512F.FusedMultiplyAdd(av, b2, c42);
                c43 = Avx512F.FusedMultiplyAdd(av, b3, c43);
            }

            b += 64;
        }

        Store(c, c00, c01, c02, c03, accumulate);
        Store(c + ldc, c10, c11, c12, c13, accumulate);
        if (TRows.Count > 2)
        {
            Store(c + (2 * ldc), c20, c21, c22, c23, accumulate);
        }

        if (TRows.Count > 3)
        {
            Store(c + (3 * ldc), c30, c31, c32, c33, accumulate);
        }

        if (TRows.Count > 4)
        {
            Store(c + (4 * ldc), c40, c41, c42, c43, accumulate);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* row, Vector512<float> v0, Vector512<float> v1, Vector512<float> v2, Vector512<float> v3, bool accumulate)
    {
        if (accumulate)
        {
            v0 += Vector512.Load(row);
            v1 += Vector512.Load(row + 16);
            v2 += Vector512.Load(row + 32);
            v3 += Vector512.Load(row + 48);
        }

        v0.Store(row);
        v1.Store(row + 16);
        v2.Store(row + 32);
        v3.Store(row + 48);
    }

    // AVX2 + FMA (16 ymm registers of 8 floats). Each shape keeps at least 8 independent accumulator chains where it
    // can, as two FMA pipes with 4 cycles of latency need 8 in flight: one row takes the whole 64-column panel row (8
    // accumulators); two rows take 32-column halves (8 accumulators + 4 B vectors + 1 broadcast); three to five rows
    // take 16-column quarters as the six-row kernel does (6, 8 or 10 accumulators + 2 B vectors + 1 broadcast).
    private static void RunAvx2(int rows, int kc, float* a, nint aRowStride, nint aStep, float* b, float* c, nint ldc, bool accumulate)
    {
        switch (rows)
        {
            case 1:
                OneAvx2(kc, a, aStep, b, c, accumulate);
                break;
            case 2:
                TwoAvx2Half(kc, a, aRowStride, aStep, b, c, ldc, accumulate);
                TwoAvx2Half(kc, a, aRowStride, aStep, b + 32, c + 32, ldc, accumulate);
                break;
            case 3:
                Avx2Quarters.Run<Avx2Quarters.Three>(kc, a, aRowStride, aStep, b, c, ldc, accumulate);
                break;
            case 4:
                Avx2Quarters.Run<Avx2Quarters.Four>(kc, a, aRowStride, aStep, b, c, ldc, accumulate);
                break;
            case 5:
                Avx2Quarters.Run<Avx2Quarters.Five>(kc, a, aRowStride, aStep, b, c, ldc, accumulate);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(rows), rows, $"SmallRowsKernel takes 1 to {GemmBlocking.MR - 1} rows.");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void OneAvx2(int kc, float* a, nint aStep, float* b, float* c, bool accumulate)
    {
        Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default;
        Vector256<float> c4 = default, c5 = default, c6 = default, c7 = default;
        nint at = 0;
        for (int k = 0; k < kc; k++, at += aStep)
        {
            var av = Avx.BroadcastScalarToVector256(a + at);
            c0 = Fma.MultiplyAdd(av, Avx.LoadVector256(b), c0);
            c1 = Fma.MultiplyAdd(av, Avx.LoadVector256(b + 8), c1);
            c2 = Fma.MultiplyAdd(av, Avx.LoadVector256(b + 16), c2);
            c3 = Fma.MultiplyAdd(av, Avx.LoadVector256(b + 24), c3);
            c4 = Fma.MultiplyAdd(av, Avx.LoadVector256(b + 32), c4);
            c5 = Fma.MultiplyAdd(av, Avx.LoadVector256(b + 40), c5);
            c6 = Fma.MultiplyAdd(av, Avx.LoadVector256(b + 48), c6);
            c7 = Fma.MultiplyAdd(av, Avx.LoadVector256(b + 56), c7);
            b += 64;
        }

        MicroKernel.Store16(c, c0, c1, accumulate);
        MicroKernel.Store16(c + 16, c2, c3, accumulate);
        MicroKernel.Store16(c + 32, c4, c5, accumulate);
        MicroKernel.Store16(c + 48, c6, c7, accumulate);
    }

    // Two rows, the 32 columns from b and c on.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void TwoAvx2Half(int kc, float* a, nint aRowStride, nint aStep, float* b, float* c, nint ldc, bool accumulate)
    {
        Vector256<float> c00 = default, c01 = default, c02 = default, c03 = default;
        Vector256<float> c10 = default, c11 = default, c12 = default, c13 = default;
        float* a0 = a, a1 = a + aRowStride;
        nint at = 0;
        for (int k = 0; k < kc; k++, at += aStep)
        {
            var b0 = Avx.LoadVector256(b);
            var b1 = Avx.LoadVector256(b + 8);
            var b2 = Avx.LoadVector256(b + 16);
            var b3 = Avx.LoadVector256(b + 24);
            var av = Avx.BroadcastScalarToVector256(a0 + at);
            c00 = Fma.MultiplyAdd(av, b0, c00);
            c01 = Fma.MultiplyAdd(av, b1, c01);
            c02 = Fma.MultiplyAdd(av, b2, c02);
            c03 = Fma.MultiplyAdd(av, b3, c03);
            av = Avx.BroadcastScalarToVector256(a1 + at);
            c10 = Fma.MultiplyAdd(av, b0, c10);
            c11 = Fma.MultiplyAdd(av, b1, c11);
            c12 = Fma.MultiplyAdd(av, b2, c12);
            c13 = Fma.MultiplyAdd(av, b3, c13);
            b += 64;
        }

        MicroKernel.Store16(c, c00, c01, accumulate);
        MicroKernel.Store16(c + 16, c02, c03, accumulate);
        MicroKernel.Store16(c + ldc, c10, c11, accumulate);
        MicroKernel.Store16(c + ldc + 16, c12, c13, accumulate);
    }
}
