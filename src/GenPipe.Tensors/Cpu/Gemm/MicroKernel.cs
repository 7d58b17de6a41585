using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace GenPipe.Tensors.Cpu.Gemm;

/// The MR x NR register tile: C[0..6, 0..64] (+)= A [6, kc] · B panel [kc][64]. B is packed and zero padded; A element
/// (r, k) is at a[r * aRowStride + k * aStep], so a packed sliver (1, 6) and a row-major A read in place (lda, 1) share
/// one kernel.
internal static unsafe class MicroKernel
{
    /// True when the AVX-512 kernel runs; otherwise an AVX2 + FMA kernel (or, without those, a portable Vector256/scalar
    /// kernel) does the same arithmetic.
    public static readonly bool UsesAvx512 = Avx512F.IsSupported && Vector512.IsHardwareAccelerated;

    /// True when the AVX2 + FMA kernel runs: no usable AVX-512 (Zen 1 to 3, Haswell to Alder Lake), 16 ymm registers.
    public static readonly bool UsesAvx2 = !UsesAvx512 && Avx2.IsSupported && Fma.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run(int kc, float* a, nint aRowStride, nint aStep, float* b, float* c, nint ldc, bool accumulate)
    {
        if (UsesAvx512)
        {
            Avx512(kc, a, aRowStride, aStep, b, c, ldc, accumulate);
        }
        else if (UsesAvx2)
        {
            Avx2Fma(kc, a, aRowStride, aStep, b, c, ldc, accumulate);
        }
        else
        {
            Portable(kc, a, aRowStride, aStep, b, c, ldc, accumulate);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Avx512(int kc, float* a, nint aRowStride, nint aStep, float* b, float* c, nint ldc, bool accumulate)
    {
        // Touch the C tile early so its lines arrive while the FMAs run.
        for (int r = 0; r < 6; r++)
        {
            float* row = c + (r * ldc);
            Sse.Prefetch0(row);
            Sse.Prefetch0(row + 16);
            Sse.Prefetch0(row + 32);
            Sse.Prefetch0(row + 48);
        }

        Vector512<float> c00 = default, c01 = default, c02 = default, c03 = default;
        Vector512<float> c10 = default, c11 = default, c12 = default, c13 = default;
        Vector512<float> c20 = default, c21 = default, c22 = default, c23 = default;
        Vector512<float> c30 = default, c31 = default, c32 = default, c33 = default;
        Vector512<float> c40 = default, c41 = default, c42 = default, c43 = default;
        Vector512<float> c50 = default, c51 = default, c52 = default, c53 = default;

        float* a0 = a, a1 = a + aRowStride, a2 = a + (2 * aRowStride), a3 = a + (3 * aRowStride), a4 = a + (4 * aRowStride), a5 = a + (5 * aRowStride);
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
            av = Vector512.Create(a2[at]);
            c20 = Avx512F.FusedMultiplyAdd(av, b0, c20);
            c21 = Avx512F.FusedMultiplyAdd(av, b1, c21);
            c22 = Avx512F.FusedMultiplyAdd(av, b2, c22);
            c23 = Avx512F.FusedMultiplyAdd(av, b3, c23);
            av = Vector512.Create(a3[at]);
            c30 = Avx512F.FusedMultiplyAdd(av, b0, c30);
            c31 = Avx512F.FusedMultiplyAdd(av, b1, c31);
            c32 = Avx512F.FusedMultiplyAdd(av, b2, c32);
            c33 = Avx512F.FusedMultiplyAdd(av, b3, c33);
            av = Vector512.Create(a4[at]);
            c40 = Avx512F.FusedMultiplyAdd(av, b0, c40);
            c41 = Avx512F.FusedMultiplyAdd(av, b1, c41);
            c42 = Avx512F.FusedMultiplyAdd(av, b2, c42);
            c43 = Avx512F.FusedMultiplyAdd(av, b3, c43);
            av = Vector512.Create(a5[at]);
            c50 = Avx512F.FusedMultiplyAdd(av, b0, c50);
            c51 = Avx512F.FusedMultiplyAdd(av, b1, c51);
            c52 = Avx512F.FusedMultiplyAdd(av, b2, c52);
            c53 = Avx512F.FusedMultiplyAdd(av, b3, c53);

            b += 64;
        }

        Store(c, c00, c01, c02, c03, accumulate);
        Store(c + ldc, c10, c11, c12, c13, accumulate);
        Store(c + (2 * ldc), c20, c21, c22, c23, accumulate);
        Store(c + (3 * ldc), c30, c31, c32, c33, accumulate);
        Store(c + (4 * ldc), c40, c41, c42, c43, accumulate);
        Store(c + (5 * ldc), c50, c51, c52, c53, accumulate);
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

    // AVX2 + FMA has 16 ymm registers of 8 floats, so the 6 x 64 tile (48 vectors) cannot live in registers. It is
    // computed as four 6 x 16 sub-tiles, one per 16-column quarter of the panel: 12 accumulators (6 rows x 2 vectors)
    // + 2 B vectors + 1 broadcast A value = 15 of the 16 registers, so nothing spills. Per depth step a quarter does 2
    // B loads, 6 broadcasts and 12 FMAs; 12 independent chains cover the FMA latency (4 cycles) on two FMA pipes (8 in
    // flight needed). The A sliver (6 x kc, 12 KiB at kc = 512) is read four times from L1; each B quarter is one
    // 64-byte line per step.
    private static void Avx2Fma(int kc, float* a, nint aRowStride, nint aStep, float* b, float* c, nint ldc, bool accumulate)
    {
        // Touch the whole C tile before the first quarter so its lines (from L3 or memory once C outgrows L2, as for
        // 2048 x 2048) arrive while the FMAs run; the last float of each row covers a row that is not 64-byte aligned.
        for (int r = 0; r < 6; r++)
        {
            float* row = c + (r * ldc);
            Sse.Prefetch0(row);
            Sse.Prefetch0(row + 16);
            Sse.Prefetch0(row + 32);
            Sse.Prefetch0(row + 48);
            Sse.Prefetch0(row + 63);
        }

        if (aRowStride == 1)
        {
            Avx2QuarterPacked(kc, a, aStep, b, c, ldc, accumulate);
            Avx2QuarterPacked(kc, a, aStep, b + 16, c + 16, ldc, accumulate);
            Avx2QuarterPacked(kc, a, aStep, b + 32, c + 32, ldc, accumulate);
            Avx2QuarterPacked(kc, a, aStep, b + 48, c + 48, ldc, accumulate);
            return;
        }

        Avx2Quarters.Run<Avx2Quarters.Six>(kc, a, aRowStride, aStep, b, c, ldc, accumulate);
    }

    /// The six-row <see cref="Avx2Quarters"/> quarter for a packed sliver (row stride 1: the six values of a step are
    /// adjacent), which needs one A pointer instead of six, with two depth steps per iteration to halve the loop's
    /// bookkeeping.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Avx2QuarterPacked(int kc, float* a, nint aStep, float* b, float* c, nint ldc, bool accumulate)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        int k = 0;
        for (; k + 1 < kc; k += 2)
        {
            var b0 = Avx.LoadVector256(b);
            var b1 = Avx.LoadVector256(b + 8);
            var av = Avx.BroadcastScalarToVector256(a);
            c00 = Fma.MultiplyAdd(av, b0, c00);
            c01 = Fma.MultiplyAdd(av, b1, c01);
            av = Avx.BroadcastScalarToVector256(a + 1);
            c10 = Fma.MultiplyAdd(av, b0, c10);
            c11 = Fma.MultiplyAdd(av, b1, c11);
            av = Avx.BroadcastScalarToVector256(a + 2);
            c20 = Fma.MultiplyAdd(av, b0, c20);
            c21 = Fma.MultiplyAdd(av, b1, c21);
            av = Avx.BroadcastScalarToVector256(a + 3);
            c30 = Fma.MultiplyAdd(av, b0, c30);
            c31 = Fma.MultiplyAdd(av, b1, c31);
            av = Avx.BroadcastScalarToVector256(a + 4);
            c40 = Fma.MultiplyAdd(av, b0, c40);
            c41 = Fma.MultiplyAdd(av, b1, c41);
            av = Avx.BroadcastScalarToVector256(a + 5);
            c50 = Fma.MultiplyAdd(av, b0, c50);
            c51 = Fma.MultiplyAdd(av, b1, c51);
            b0 = Avx.LoadVector256(b + 64);
            b1 = Avx.LoadVector256(b + 72);
            av = Avx.BroadcastScalarToVector256(a + aStep);
            c00 = Fma.MultiplyAdd(av, b0, c00);
            c01 = Fma.MultiplyAdd(av, b1, c01);
            av = Avx.BroadcastScalarToVector256(a + aStep + 1);
            c10 = Fma.MultiplyAdd(av, b0, c10);
            c11 = Fma.MultiplyAdd(av, b1, c11);
            av = Avx.BroadcastScalarToVector256(a + aStep + 2);
            c20 = Fma.MultiplyAdd(av, b0, c20);
            c21 = Fma.MultiplyAdd(av, b1, c21);
            av = Avx.BroadcastScalarToVector256(a + aStep + 3);
            c30 = Fma.MultiplyAdd(av, b0, c30);
            c31 = Fma.MultiplyAdd(av, b1, c31);
            av = Avx.BroadcastScalarToVector256(a + aStep + 4);
            c40 = Fma.MultiplyAdd(av, b0, c40);
            c41 = Fma.MultiplyAdd(av, b1, c41);
            av = Avx.BroadcastScalarToVector256(a + aStep + 5);
            c50 = Fma.MultiplyAdd(av, b0, c50);
            c51 = Fma.MultiplyAdd(av, b1, c51);
            b += 128;
            a += 2 * aStep;
        }

        if (k < kc)
        {
            var b0 = Avx.LoadVector256(b);
            var b1 = Avx.LoadVector256(b + 8);
            var av = Avx.BroadcastScalarToVector256(a);
            c00 = Fma.MultiplyAdd(av, b0, c00);
            c01 = Fma.MultiplyAdd(av, b1, c01);
            av = Avx.BroadcastScalarToVector256(a + 1);
            c10 = Fma.MultiplyAdd(av, b0, c10);
            c11 = Fma.MultiplyAdd(av, b1, c11);
            av = Avx.BroadcastScalarToVector256(a + 2);
            c20 = Fma.MultiplyAdd(av, b0, c20);
            c21 = Fma.MultiplyAdd(av, b1, c21);
            av = Avx.BroadcastScalarToVector256(a + 3);
            c30 = Fma.MultiplyAdd(av, b0, c30);
            c31 = Fma.MultiplyAdd(av, b1, c31);
            av = Avx.BroadcastScalarToVector256(a + 4);
            c40 = Fma.MultiplyAdd(av, b0, c40);
            c41 = Fma.MultiplyAdd(av, b1, c41);
            av = Avx.BroadcastScalarToVector256(a + 5);
            c50 = Fma.MultiplyAdd(av, b0, c50);
            c51 = Fma.MultiplyAdd(av, b1, c51);
        }

        Store16(c, c00, c01, accumulate);
        Store16(c + ldc, c10, c11, accumulate);
        Store16(c + (2 * ldc), c20, c21, accumulate);
        Store16(c + (3 * ldc), c30, c31, accumulate);
        Store16(c + (4 * ldc), c40, c41, accumulate);
        Store16(c + (5 * ldc), c50, c51, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Store16(float* row, Vector256<float> v0, Vector256<float> v1, bool accumulate)
    {
        if (accumulate)
        {
            v0 = Avx.Add(v0, Avx.LoadVector256(row));
            v1 = Avx.Add(v1, Avx.LoadVector256(row + 8));
        }

        Avx.Store(row, v0);
        Avx.Store(row + 8, v1);
    }

    // Without AVX-512 or AVX2: two halves of 32 columns, each a 6 x 4 tile of Vector256 (spills on 16-register machines, but
    // stays correct and vectorized).
    private static void Portable(int kc, float* a, nint aRowStride, nint aStep, float* b, float* c, nint ldc, bool accumulate)
    {
        Span<Vector256<float>> acc = stackalloc Vector256<float>[24];
        for (int half = 0; half < 2; half++)
        {
            acc.Clear();
            nint at = 0;
            float* bp = b + (half * 32);
            for (int k = 0; k < kc; k++)
            {
                var b0 = Vector256.Load(bp);
                var b1 = Vector256.Load(bp + 8);
                var b2 = Vector256.Load(bp + 16);
                var b3 = Vector256.Load(bp + 24);
                for (int r = 0; r < 6; r++)
                {
                    var av = Vector256.Create(a[(r * aRowStride) + at]);
                    acc[(r * 4) + 0] = Vector256.FusedMultiplyAdd(av, b0, acc[(r * 4) + 0]);
                    acc[(r * 4) + 1] = Vector256.FusedMultiplyAdd(av, b1, acc[(r * 4) + 1]);
                    acc[(r * 4) + 2] = Vector256.FusedMultiplyAdd(av, b2, acc[(r * 4) + 2]);
                    acc[(r * 4) + 3] = Vector256.FusedMultiplyAdd(av, b3, acc[(r * 4) + 3]);
                }

                at += aStep;
                bp += 64;
            }

            for (int r = 0; r < 6; r++)
            {
                float* row = c + (r * ldc) + (half * 32);
                for (int v = 0; v < 4; v++)
                {
                    var value = acc[(r * 4) + v];
                    if (accumulate)
                    {
                        value += Vector256.Load(row + (v * 8));
                    }

                    value.Store(row + (v * 8));
                }
            }
        }
    }
}
