namespace GenPipe.Tensors.Cpu.Gemm;

/// A row-major, transposed or otherwise strided A [M, K], packed one sliver at a time (a sliver is small enough to
/// stay in L1, so packing it right before use costs little).
internal readonly unsafe struct StridedA : IASource
{
    private readonly float* _origin;
    private readonly nint _rowStride;
    private readonly nint _colStride;
    private readonly int _rows;

    public StridedA(float* origin, nint rowStride, nint colStride, int rows)
    {
        _origin = origin;
        _rowStride = rowStride;
        _colStride = colStride;
        _rows = rows;
    }

    public float* Sliver(int i0, int k0, int kc, float* scratch)
    {
        PackSliver(scratch, i0, k0, kc);
        return scratch;
    }

    /// Writes rows i0..i0+MR, depth k0..k0+kc as [kc][MR] into <paramref name="destination"/>.
    public void PackSliver(float* destination, int i0, int k0, int kc)
    {
        const int MR = GemmBlocking.MR;
        int rows = Math.Min(MR, _rows - i0);
        for (int r = 0; r < MR; r++)
        {
            float* dst = destination + r;
            if (r >= rows)
            {
                for (int k = 0; k < kc; k++)
                {
                    dst[k * MR] = 0f;
                }

                continue;
            }

            float* src = _origin + ((i0 + r) * _rowStride) + (k0 * _colStride);
            if (_colStride == 1)
            {
                for (int k = 0; k < kc; k++)
                {
                    dst[k * MR] = src[k];
                }
            }
            else
            {
                for (int k = 0; k < kc; k++)
                {
                    dst[k * MR] = src[k * _colStride];
                }
            }
        }
    }
}
