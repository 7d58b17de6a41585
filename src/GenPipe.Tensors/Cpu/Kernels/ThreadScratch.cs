namespace GenPipe.Tensors.Cpu.Kernels;

/// <summary>
/// Per-thread float scratch that kernels reuse across calls: it grows to the largest size asked for and is then kept,
/// so kernels allocate nothing in steady state. One buffer per thread and purpose; never held across a fork-join.
/// </summary>
internal static class ThreadScratch
{
    [ThreadStatic]
    private static float[]? t_attention;

    /// <summary>Scratch for one attention task on this thread (at least <paramref name="length"/> floats).</summary>
    public static float[] Attention(int length)
    {
        var buffer = t_attention;
        if (buffer is null || buffer.Length < length)
        {
            buffer = new float[Math.Max(length, (buffer?.Length ?? 0) * 3 / 2)];
            t_attention = buffer;
        }

        return buffer;
    }
}
