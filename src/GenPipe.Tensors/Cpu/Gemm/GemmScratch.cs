namespace GenPipe.Tensors.Cpu.Gemm;

/// One thread's packing buffers, kept for the life of the thread so that steady-state products allocate nothing.
/// The arrays live on the pinned object heap, so their addresses stay valid without a fixed statement.
internal sealed unsafe class GemmScratch
{
    [ThreadStatic]
    private static GemmScratch? t_current;

    private readonly float[] _bBlock;
    private float[] _aBlock = [];
    private readonly float[] _tile;

    private GemmScratch()
    {
        _bBlock = [];
        _tile = [];
        BBlock = Aligned(ref _bBlock, (GemmBlocking.KC * GemmBlocking.NC) + GemmBlocking.NR);
        Tile = Aligned(ref _tile, GemmBlocking.MR * GemmBlocking.NR);
    }

    /// The calling thread's buffers.
    public static GemmScratch Current => t_current ??= new GemmScratch();

    /// KC x NC floats for a packed B block.
    public float* BBlock { get; }

    /// Room for <paramref name="length"/> floats of packed A slivers (a thread's rows over one depth block); grows only.
    public float* ABlock(int length)
    {
        if (_aBlock.Length < length + 16)
        {
            return Aligned(ref _aBlock, length);
        }

        return AlignUp(_aBlock);
    }

    /// MR x NR floats for a register tile at a matrix edge.
    public float* Tile { get; }

    private static float* Aligned(ref float[] array, int length)
    {
        array = GC.AllocateUninitializedArray<float>(length + 16, pinned: true);
        return AlignUp(array);
    }

    private static float* AlignUp(float[] array)
    {
        fixed (float* p = array)
        {
            // Pinned-heap arrays never move, so the pointer outlives the fixed block.
            return (float*)(((nint)p + 63) & ~(nint)63);
        }
    }
}
