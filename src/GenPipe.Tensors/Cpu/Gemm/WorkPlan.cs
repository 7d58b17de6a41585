namespace GenPipe.Tensors.Cpu.Gemm;

/// How a set of independent products is cut into parallel chunks: whole products when they spread evenly over the
/// threads, otherwise each product split into one share per thread along its rows or its columns.
internal readonly record struct WorkPlan(int ChunksPerProduct, bool SplitRows, int Tiles)
{
    // Below this many multiply-adds a fork-join costs more than it saves.
    private const long MinimumParallelWork = 1 << 17;

    // A product of fewer rows than a register tile (a decode step: one row per sequence) streams B once and is bound by
    // memory, not arithmetic: splitting it saves half of B's streaming time, about 2.5 us for 128 Ki floats from L3,
    // which a fork-join (2 to 5 us, and far more when another process holds the second core) does not repay until B is
    // a few MiB.
    private const long MinimumParallelStream = 1 << 19;

    // preferRows: split rows (each share then packs all of B) rather than columns (each share packs all of A); true
    // when B is prepacked or cheap to copy, false when A is prepacked and B is dear (a convolution's im2col panels).
    public static WorkPlan Choose(int products, int rows, int cols, int depth, int threads, bool preferRows)
    {
        int rowTiles = (rows + GemmBlocking.MR - 1) / GemmBlocking.MR;
        int colTiles = (cols + GemmBlocking.NR - 1) / GemmBlocking.NR;
        long work = (long)products * rows * cols * Math.Max(depth, 1);
        bool streaming = rows < GemmBlocking.MR && (long)products * cols * Math.Max(depth, 1) < MinimumParallelStream;
        if (threads <= 1 || work < MinimumParallelWork || streaming || products % threads == 0)
        {
            return new WorkPlan(1, true, rowTiles);
        }

        // The preferred axis unless it has too few tiles to share evenly (fewer than two per thread and uneven).
        bool rowsBalance = rowTiles >= 2 * threads || rowTiles % threads == 0;
        bool colsBalance = colTiles >= 2 * threads || colTiles % threads == 0;
        bool splitRows = preferRows ? rowsBalance || !colsBalance : !colsBalance && rowsBalance;
        int tiles = splitRows ? rowTiles : colTiles;
        return new WorkPlan(Math.Max(1, Math.Min(threads, tiles)), splitRows, tiles);
    }

    /// The tile range [start, end) of chunk <paramref name="chunk"/>.
    public (int Start, int End) Range(int chunk) =>
        ((int)((long)chunk * Tiles / ChunksPerProduct), (int)((long)(chunk + 1) * Tiles / ChunksPerProduct));
}
