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

    // Row-major A is read in place by the AVX-512 kernel. The AVX2 kernel re-reads each sliver 4 times per panel (one
    // pass per 16-column quarter), and six rows read in place are six streams at the row stride, which for strides of
    // a multiple of 4 KiB (1024 or 2048 floats) fall in the same L1 sets and evict each other; a packed [kc][6] sliver
    // is one contiguous 9 KiB run. Packing costs one copy of A per depth block (1/N of the multiply-adds).
    private static bool ReadsInPlace => !MicroKernel.UsesAvx2;

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
        if (_colStride == 1 && ReadsInPlace)
        {
            // Row-major A is read in place by the micro-kernel; only a last, partial tile needs zero-padded rows, and
            // not even that where the small-rows kernel reads just the rows that exist.
            int partial = i0 + ((i1 - i0) / MR * MR);
            if (partial < i1 && !SmallRowsKernel.Supported)
            {
                _packed = scratch.ABlock(MR * kc);
                PackSliver(_packed, partial, k0, kc);
            }

            return;
        }

        _packed = scratch.ABlock(GemmBlocking.RoundUp(i1 - i0, MR) * kc);
        for (int i = i0; i < i1; i += MR)
        {
            PackSliver(_packed + ((nint)((i - i0) / MR) * kc * MR), i, k0, kc);
        }
    }

    public readonly float* Sliver(int i0, int k0, int kc, out nint rowStride, out nint step)
    {
        if (_colStride == 1 && ReadsInPlace)
        {
            if (i0 + GemmBlocking.MR <= _rows || SmallRowsKernel.Supported)
            {
                rowStride = _rowStride;
                step = 1;
                return _origin + (i0 * _rowStride) + k0;
            }

            rowStride = 1;
            step = GemmBlocking.MR;
            return _packed;
        }

        rowStride = 1;
        step = GemmBlocking.MR;
        return _packed + ((nint)((i0 - _firstRow) / GemmBlocking.MR) * kc * GemmBlocking.MR);
    }

    /// Writes rows i0..i0+MR, depth k0..k0+kc as [kc][MR] into <paramref name="destination"/>.
    public readonly void PackSliver(float* destination, int i0, int k0, int kc)
    {
        const int MR = GemmBlocking.MR;
        int rows = Math.Min(MR, _rows - i0);
        float* src = _origin + (i0 * _rowStride) + (k0 * _colStride);
        if (rows == MR && _colStride == 1)
        {
            // Six rows read side by side, so each step writes one contiguous group of six.
            float* r0 = src, r1 = src + _rowStride, r2 = src + (2 * _rowStride);
            float* r3 = src + (3 * _rowStride), r4 = src + (4 * _rowStride), r5 = src + (5 * _rowStride);
            for (int k = 0; k < kc; k++)
            {
                float* d = destination + (k * MR);
                d[0] = r0[k];
                d[1] = r1[k];
                d[2] = r2[k];
                d[3] = r3[k];
                d[4] = r4[k];
                d[5] = r5[k];
            }

            return;
        }

        if (rows == MR && _rowStride == 1)
        {
            // A transposed: the six values of one step are adjacent in memory.
            for (int k = 0; k < kc; k++)
            {
                float* s = src + (k * _colStride);
                float* d = destination + (k * MR);
                d[0] = s[0];
                d[1] = s[1];
                d[2] = s[2];
                d[3] = s[3];
                d[4] = s[4];
                d[5] = s[5];
            }

            return;
        }

        for (int k = 0; k < kc; k++)
        {
            float* d = destination + (k * MR);
            float* s = src + (k * _colStride);
            for (int r = 0; r < MR; r++)
            {
                d[r] = r < rows ? s[r * _rowStride] : 0f;
            }
        }
    }
}
