namespace GenPipe.Tensors.Cpu.Gemm;

/// How a set of independent products is cut into parallel chunks: whole products when they spread evenly over the
/// threads, otherwise each product split into one share per thread along its rows or its columns.
internal readonly record struct WorkPlan(int ChunksPerProduct, bool SplitRows, int Tiles)
{
    // Below this many multiply-adds a fork-join costs more than it saves.
    private const long MinimumParallelWork = 1 << 17;

    public static WorkPlan Choose(int products, int rows, int cols, int depth, int threads)
    {
        int rowTiles = (rows + GemmBlocking.MR - 1) / GemmBlocking.MR;
        int colTiles = (cols + GemmBlocking.NR - 1) / GemmBlocking.NR;
        long work = (long)products * rows * cols * Math.Max(depth, 1);
        if (threads <= 1 || work < MinimumParallelWork || products % threads == 0)
        {
            return new WorkPlan(1, true, rowTiles);
        }

        // Columns split with less duplicated packing, but need enough NR-wide panels to balance.
        bool splitRows = !(colTiles >= 4 * threads || (colTiles >= threads && colTiles % threads == 0)) && rowTiles >= threads;
        int tiles = splitRows ? rowTiles : colTiles;
        return new WorkPlan(Math.Max(1, Math.Min(threads, tiles)), splitRows, tiles);
    }

    /// The tile range [start, end) of chunk <paramref name="chunk"/>.
    public (int Start, int End) Range(int chunk) =>
        ((int)((long)chunk * Tiles / ChunksPerProduct), (int)((long)(chunk + 1) * Tiles / ChunksPerProduct));
}
