using GenPipe.Tensors.Cpu.Gemm;
using Shouldly;
using Xunit;

namespace GenPipe.Tensors.Tests.Gemm;

/// The register-tile kernels called directly, whichever instruction set this machine selects (AVX-512, AVX2 + FMA or
/// the portable fallback): depths from one step up (odd ones included), C overwritten or accumulated into, A as a
/// packed [kc][6] sliver or read in place with a row stride, and nothing written outside the tile.
public sealed unsafe class RegisterTileTests
{
    private const int NR = GemmBlocking.NR;
    private const int Ldc = NR + 5;
    private const float Sentinel = 12345f;

    public static TheoryData<int, bool, bool> Cases()
    {
        var data = new TheoryData<int, bool, bool>();
        foreach (int kc in new[] { 1, 2, 3, 7, 8, 17, 64, 129 })
        {
            foreach (bool accumulate in new[] { false, true })
            {
                foreach (bool packed in new[] { false, true })
                {
                    data.Add(kc, accumulate, packed);
                }
            }
        }

        return data;
    }

    [Fact]
    public void Avx2_kernels_run_where_avx512_does_not()
    {
        bool avx2 = System.Runtime.Intrinsics.X86.Avx2.IsSupported && System.Runtime.Intrinsics.X86.Fma.IsSupported;
        MicroKernel.UsesAvx2.ShouldBe(avx2 && !MicroKernel.UsesAvx512);
        (MicroKernel.UsesAvx512 && MicroKernel.UsesAvx2).ShouldBeFalse();
        SmallRowsKernel.Supported.ShouldBe(MicroKernel.UsesAvx512 || MicroKernel.UsesAvx2);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Six_row_tile_matches_a_double_precision_product(int kc, bool accumulate, bool packedA)
    {
        Check(GemmBlocking.MR, kc, accumulate, packedA, (a, rowStride, step, b, c) => MicroKernel.Run(kc, a, rowStride, step, b, c, Ldc, accumulate));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Small_row_tiles_match_a_double_precision_product(int kc, bool accumulate, bool packedA)
    {
        if (!SmallRowsKernel.Supported)
        {
            return;
        }

        for (int rows = 1; rows < GemmBlocking.MR; rows++)
        {
            int r = rows;
            Check(r, kc, accumulate, packedA, (a, rowStride, step, b, c) => SmallRowsKernel.Run(r, kc, a, rowStride, step, b, c, Ldc, accumulate));
        }
    }

    private delegate void Kernel(float* a, nint rowStride, nint step, float* b, float* c);

    private static void Check(int rows, int kc, bool accumulate, bool packedA, Kernel kernel)
    {
        var random = new Random((rows * 1000) + (kc * 10) + (accumulate ? 1 : 0) + (packedA ? 2 : 0));
        // Packed A: element (r, k) at r + 6k. In place: row stride kc + 3 (rows not adjacent), step 1.
        nint rowStride = packedA ? 1 : kc + 3;
        nint step = packedA ? GemmBlocking.MR : 1;
        var a = Values(random, packedA ? GemmBlocking.MR * kc : (int)(rows * rowStride));
        var b = Values(random, kc * NR);
        var c = Values(random, (GemmBlocking.MR + 1) * Ldc);
        for (int r = 0; r <= GemmBlocking.MR; r++)
        {
            for (int j = NR; j < Ldc; j++)
            {
                c[(r * Ldc) + j] = Sentinel;
            }
        }

        for (int j = 0; j < Ldc; j++)
        {
            for (int r = rows; r <= GemmBlocking.MR; r++)
            {
                c[(r * Ldc) + j] = Sentinel;
            }
        }

        var before = (float[])c.Clone();
        fixed (float* pa = a, pb = b, pc = c)
        {
            kernel(pa, rowStride, step, pb, pc);
        }

        for (int r = 0; r <= GemmBlocking.MR; r++)
        {
            for (int j = 0; j < Ldc; j++)
            {
                float actual = c[(r * Ldc) + j];
                if (r >= rows || j >= NR)
                {
                    actual.ShouldBe(Sentinel, $"rows {rows}, kc {kc}: wrote outside the tile at ({r}, {j})");
                    continue;
                }

                double expected = accumulate ? before[(r * Ldc) + j] : 0;
                double scale = accumulate ? 1 : 0;
                for (int k = 0; k < kc; k++)
                {
                    double product = (double)a[(int)((r * rowStride) + (k * step))] * b[(k * NR) + j];
                    expected += product;
                    scale += Math.Abs(product);
                }

                Math.Abs(actual - expected).ShouldBeLessThanOrEqualTo(
                    1e-6 * Math.Max(scale, 1), $"rows {rows}, kc {kc}, accumulate {accumulate}, packed A {packedA}: element ({r}, {j})");
            }
        }
    }

    private static float[] Values(Random random, int length)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return values;
    }
}
