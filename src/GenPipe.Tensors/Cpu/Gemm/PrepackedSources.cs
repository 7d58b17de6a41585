namespace GenPipe.Tensors.Cpu.Gemm;

/// B packed once (<see cref="CpuPackedMatrix"/>): block k0 starts at k0 * paddedN, each block holds its panels
/// [kc][NR] in column order. Nothing is copied per call.
internal readonly unsafe struct PrepackedB : IBSource
{
    private readonly float* _packed;
    private readonly int _paddedCols;

    public PrepackedB(float* packed, int paddedCols)
    {
        _packed = packed;
        _paddedCols = paddedCols;
    }

    public float* Block(int k0, int kc, int j0, int nc, float* scratch) =>
        _packed + ((nint)k0 * _paddedCols) + ((nint)(j0 / GemmBlocking.NR) * kc * GemmBlocking.NR);
}

/// A packed once (convolution weights): block k0 starts at k0 * paddedM, each block holds its slivers [kc][MR].
internal readonly unsafe struct PrepackedA : IASource
{
    private readonly float* _packed;
    private readonly int _paddedRows;

    public PrepackedA(float* packed, int paddedRows)
    {
        _packed = packed;
        _paddedRows = paddedRows;
    }

    public void Prepare(int i0, int i1, int k0, int kc, GemmScratch scratch)
    {
    }

    public float* Sliver(int i0, int k0, int kc, out nint rowStride, out nint step)
    {
        rowStride = 1;
        step = GemmBlocking.MR;
        return _packed + ((nint)k0 * _paddedRows) + ((nint)(i0 / GemmBlocking.MR) * kc * GemmBlocking.MR);
    }
}
