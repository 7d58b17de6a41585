using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace GenPipe.Tensors.Cpu.Gemm;

/// The MR x NR register tile: C[0..6, 0..64] (+)= A [6, kc] · B panel [kc][64]. B is packed and zero padded; A element
/// (r, k) is at a[r * aRowStride + k * aStep], so a packed sliver (1, 6) and a row-major A read in place (lda, 1) share
/// one kernel.
internal static unsafe class MicroKernel
{
    /// True when the AVX-512 kernel runs; otherwise a portable Vector256/scalar kernel does the same arithmetic.
    public static readonly bool UsesAvx512 = Avx512F.IsSupported && Vector512.IsHardwareAccelerated;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run(int kc, float* a, nint aRowStride, nint aStep, float* b, float* c, nint ldc, bool accumulate)
    {
        if (UsesAvx512)
        {
            Avx512(kc, a, aRowStride, aStep, b, c, ldc, accumulate);
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

    // Without AVX-512: two halves of 32 columns, each a 6 x 4 tile of Vector256 (spills on 16-register machines, but
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
