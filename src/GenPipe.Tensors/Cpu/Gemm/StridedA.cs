namespace GenPipe.Tensors.Cpu.Gemm;

/// A row-major, transposed or otherwise strided A [M, K], packed per depth block for a thread's whole row range
/// (once per depth block, shared by all column blocks).
internal unsafe struct StridedA : IASource
{
    private readonly float* _origin;
    private readonly nint _rowStride;
    private readonly nint _colStride;
    private readonly int _rows;
    private float* _packed;
    private int _firstRow;

    public StridedA(float* origin, nint rowStride, nint colStride, int rows)
    {
        _origin = origin;
        _rowStride = rowStride;
        _colStride = colStride;
        _rows = rows;
    }

    public void Prepare(int i0, int i1, int k0, int kc, GemmScratch scratch)
    {
        const int MR = GemmBlocking.MR;
        _firstRow = i0;
        _packed = scratch.ABlock(GemmBlocking.RoundUp(i1 - i0, MR) * kc);
        for (int i = i0; i < i1; i += MR)
        {
            PackSliver(_packed + ((nint)((i - i0) / MR) * kc * MR), i, k0, kc);
        }
    }

    public readonly float* Sliver(int i0, int k0, int kc) => _packed + ((nint)((i0 - _firstRow) / GemmBlocking.MR) * kc * GemmBlocking.MR);

    /// Writes rows i0..i0+MR, depth k0..k0+kc as [kc][MR] into <paramref name="destination"/>.
    public readonly void PackSliver(float* destination, int i0, int k0, int kc)
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
