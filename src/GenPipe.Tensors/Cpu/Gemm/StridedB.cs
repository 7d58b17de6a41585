using System.Runtime.Intrinsics;

namespace GenPipe.Tensors.Cpu.Gemm;

/// A row-major, transposed or otherwise strided B [K, N], packed into NR-wide panels.
internal readonly unsafe struct StridedB : IBSource
{
    private readonly float* _origin;
    private readonly nint _rowStride;
    private readonly nint _colStride;
    private readonly int _cols;

    public StridedB(float* origin, nint rowStride, nint colStride, int cols)
    {
        _origin = origin;
        _rowStride = rowStride;
        _colStride = colStride;
        _cols = cols;
    }

    public float* Block(int k0, int kc, int j0, int nc, float* scratch)
    {
        PackBlock(scratch, k0, kc, j0, nc);
        return scratch;
    }

    /// Writes depth k0..k0+kc and columns j0..j0+nc as consecutive [kc][NR] panels into <paramref name="destination"/>.
    public void PackBlock(float* destination, int k0, int kc, int j0, int nc)
    {
        const int NR = GemmBlocking.NR;
        for (int jp = 0; jp < nc; jp += NR)
        {
            float* panel = destination + ((jp / NR) * kc * NR);
            int j = j0 + jp;
            int width = Math.Min(NR, _cols - j);
            if (_colStride == 1)
            {
                PackRowMajor(panel, _origin + (k0 * _rowStride) + j, kc, width);
            }
            else
            {
                PackColumns(panel, _origin + (k0 * _rowStride) + (j * _colStride), kc, width);
            }
        }
    }

    private void PackRowMajor(float* panel, float* src, int kc, int width)
    {
        const int NR = GemmBlocking.NR;
        if (width == NR && Vector512.IsHardwareAccelerated)
        {
            for (int k = 0; k < kc; k++)
            {
                float* s = src + (k * _rowStride);
                float* d = panel + (k * NR);
                Vector512.Load(s).Store(d);
                Vector512.Load(s + 16).Store(d + 16);
                Vector512.Load(s + 32).Store(d + 32);
                Vector512.Load(s + 48).Store(d + 48);
            }

            return;
        }

        if (width == NR && Vector256.IsHardwareAccelerated)
        {
            // AVX2: eight 8-float copies per panel row, not a span copy (a call and size dispatch per 256 bytes).
            for (int k = 0; k < kc; k++)
            {
                float* s = src + (k * _rowStride);
                float* d = panel + (k * NR);
                Vector256.Load(s).Store(d);
                Vector256.Load(s + 8).Store(d + 8);
                Vector256.Load(s + 16).Store(d + 16);
                Vector256.Load(s + 24).Store(d + 24);
                Vector256.Load(s + 32).Store(d + 32);
                Vector256.Load(s + 40).Store(d + 40);
                Vector256.Load(s + 48).Store(d + 48);
                Vector256.Load(s + 56).Store(d + 56);
            }

            return;
        }

        for (int k = 0; k < kc; k++)
        {
            var d = new Span<float>(panel + (k * NR), NR);
            new ReadOnlySpan<float>(src + (k * _rowStride), width).CopyTo(d);
            d[width..].Clear();
        }
    }

    // B transposed (unit row stride) or fully strided: walk each column down its depth.
    private void PackColumns(float* panel, float* src, int kc, int width)
    {
        const int NR = GemmBlocking.NR;
        for (int jj = 0; jj < width; jj++)
        {
            float* s = src + (jj * _colStride);
            float* d = panel + jj;
            if (_rowStride == 1)
            {
                for (int k = 0; k < kc; k++)
                {
                    d[k * NR] = s[k];
                }
            }
            else
            {
                for (int k = 0; k < kc; k++)
                {
                    d[k * NR] = s[k * _rowStride];
                }
            }
        }

        for (int jj = width; jj < NR; jj++)
        {
            for (int k = 0; k < kc; k++)
            {
                panel[(k * NR) + jj] = 0f;
            }
        }
    }
}
