namespace GenPipe.Tensors.Cpu.Gemm;

/// Block sizes of the Goto/BLIS-style product (Goto and van de Geijn, "Anatomy of High-Performance Matrix
/// Multiplication", 2008). The register tile is MR x NR; a packed A sliver (MR x KC, 24 KiB at KC = 1024) stays in L1
/// while the micro-kernel sweeps a packed B block (KC x NC) that stays in L2.
internal static class GemmBlocking
{
    /// Rows of the register tile: 6 rows x 4 vectors = 24 of the 32 zmm registers hold accumulators.
    public const int MR = 6;

    /// Columns of the register tile (four Vector512 of floats).
    public const int NR = 64;

    /// Depth of one packed block; prepacked weights are laid out in blocks of this depth. With AVX2 (measured on Zen 3:
    /// 32 KiB L1d, 512 KiB L2 per core) 384: the packed A sliver (6 x 384 floats, 9 KiB) stays in L1 while the four
    /// 16-column passes of each panel re-read it, and the B block below stays well inside L2. On Zen 3 this block
    /// (with NC = 128 and A packed) ran GEMM 1024 and 2048 about 5-10% faster than 512 x 256 with A read in place,
    /// whose 512 KiB B block fills the whole L2.
    public static readonly int KC = MicroKernel.UsesAvx2 ? 384 : 512;

    /// Columns of one packed B block: KC x NC floats (512 KiB) fit the 1 MiB L2 with room for C and A. With AVX2,
    /// 384 x 128 floats (192 KiB) leave room in a 512 KiB L2 for the C block a prepacked-A product (a convolution) keeps
    /// there across depth blocks (Cout x 128 floats, 128 KiB at 256 channels).
    public static readonly int NC = MicroKernel.UsesAvx2 ? 128 : 256;

    /// The depth of each block for a product of depth <paramref name="depth"/>: as many blocks as KC demands, of equal
    /// size (a multiple of 8), so that no thin remainder block pays the tile loads and stores for a few steps. Packing
    /// and products both derive blocks from this, so prepacked layouts agree with the loops.
    public static int DepthBlock(int depth)
    {
        int blocks = Math.Max(1, (depth + KC - 1) / KC);
        return Math.Min(KC, RoundUp((depth + blocks - 1) / blocks, 8));
    }

    /// Rows of A packed at a time when several column blocks re-read them: a multiple of MR whose packed depth block
    /// (rows x depth) takes at most 256 KiB, half of AVX2 Zen 3's L2 (the B block takes 192 KiB). With AVX-512 A is
    /// read in place and not chunked (int.MaxValue: all rows at once), as measured there before.
    public static int RowChunk(int depthBlock) =>
        MicroKernel.UsesAvx2 ? Math.Max(MR, 65536 / Math.Max(depthBlock, 1) / MR * MR) : int.MaxValue;

    /// Rounds <paramref name="value"/> up to a multiple of <paramref name="multiple"/>.
    public static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;
}
