namespace GenPipe.Tensors.Cpu.Kernels;

/// <summary>How finely to split work for <see cref="Threading.CpuWorkers"/>: a fork-join costs microseconds, so small
/// work runs inline and large work gets a few chunks per thread (chunks are claimed dynamically).</summary>
internal static class Chunking
{
    /// <summary>Below this many elements of memory-bound work, one thread is faster than waking others.</summary>
    public const long MinElementsPerChunk = 32 * 1024;

    /// <summary>The number of chunks for <paramref name="items"/> items of <paramref name="costPerItem"/> elements each.</summary>
    public static int Count(long items, long costPerItem, int threads, long minCostPerChunk = MinElementsPerChunk)
    {
        if (items <= 1 || threads <= 1)
        {
            return items <= 0 ? 0 : 1;
        }

        long total = items * Math.Max(costPerItem, 1);
        long byCost = Math.Max(1, total / minCostPerChunk);
        long chunks = Math.Min(Math.Min(byCost, items), threads * 4L);
        return (int)chunks;
    }

    /// <summary>The item range [start, end) of chunk <paramref name="chunk"/> of <paramref name="chunks"/>.</summary>
    public static (long Start, long End) Range(long items, int chunks, int chunk) =>
        (items * chunk / chunks, items * (chunk + 1) / chunks);
}
