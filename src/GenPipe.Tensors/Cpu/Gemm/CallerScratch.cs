namespace GenPipe.Tensors.Cpu.Gemm;

/// Buffers the calling thread uses before a parallel region (dense copies of a residual that aliases the output, of
/// a strided bias or of rows that cannot be addressed with one stride); one slot per purpose, each only grows.
internal static unsafe class CallerScratch
{
    public const int Residual = 0;
    public const int Bias = 1;
    public const int Rows = 2;
    public const int PackedB = 3;

    [ThreadStatic]
    private static float[][]? t_slots;

    /// A 64-byte aligned buffer of at least <paramref name="length"/> floats for <paramref name="slot"/>.
    public static float* Get(int slot, int length)
    {
        var slots = t_slots ??= [[], [], [], []];
        if (slots[slot].Length < length + 16)
        {
            slots[slot] = GC.AllocateUninitializedArray<float>(length + 16, pinned: true);
        }

        fixed (float* p = slots[slot])
        {
            return (float*)(((nint)p + 63) & ~(nint)63);
        }
    }

    /// Copies any strided view densely (row-major) into <paramref name="slot"/>'s buffer.
    public static float* Dense(int slot, TensorView view)
    {
        float* p = Get(slot, view.Length);
        view.CopyTo(new Span<float>(p, view.Length));
        return p;
    }
}
