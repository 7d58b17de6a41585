using System.Runtime.CompilerServices;

namespace GenPipe.Tensors.Cpu.Gemm;

/// The blocked loops around the micro-kernel for one output matrix (or a rectangle of it, one thread's share).
/// Generic over the operand sources so that each combination compiles to direct calls.
internal static unsafe class GemmDriver
{
    /// C[i0..i1, j0..j1] = epilogue(A · B) with C's origin at <paramref name="c"/>; i0 is a multiple of MR and j0 of NR.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<TA, TB>(
        ref TA a, ref TB b, int depth, int i0, int i1, int j0, int j1, float* c, nint ldc, in EpilogueTerms epilogue, GemmScratch scratch)
        where TA : struct, IASource
        where TB : struct, IBSource
    {
        if (i1 <= i0 || j1 <= j0)
        {
            return;
        }

        if (depth == 0)
        {
            ZeroProduct(c, ldc, i0, i1, j0, j1, epilogue);
            return;
        }

        int blockDepth = GemmBlocking.DepthBlock(depth);
        if (typeof(TA) == typeof(PrepackedA))
        {
            // Nothing to pack on the A side: keep each C column block in L2 across all depth blocks.
            for (int jc = j0; jc < j1; jc += GemmBlocking.NC)
            {
                int nc = Math.Min(GemmBlocking.NC, j1 - jc);
                for (int pc = 0; pc < depth; pc += blockDepth)
                {
                    int kc = Math.Min(blockDepth, depth - pc);
                    float* block = b.Block(pc, kc, jc, nc, scratch.BBlock);
                    Macro(ref a, block, i0, i1, jc, nc, pc, kc, depth, c, ldc, epilogue, scratch.Tile);
                }
            }

            return;
        }

        // A packed per depth block, then shared by every column block. When several column blocks of a prepacked B
        // re-read it, the rows go in chunks whose packed A stays in L2, so A comes from memory once rather than once
        // per column block (8192 x 320 x 320, a UNet projection: 10-15% faster on Zen 3). A B packed per call is not
        // chunked: each chunk would pack it again.
        bool chunkRows = typeof(TB) == typeof(PrepackedB) && j1 - j0 > GemmBlocking.NC;
        int rowChunk = chunkRows ? Math.Min(GemmBlocking.RowChunk(blockDepth), i1 - i0) : i1 - i0;
        for (int ic = i0; ic < i1; ic += rowChunk)
        {
            int icEnd = Math.Min(i1, ic + rowChunk);
            for (int pc = 0; pc < depth; pc += blockDepth)
            {
                int kc = Math.Min(blockDepth, depth - pc);
                a.Prepare(ic, icEnd, pc, kc, scratch);
                for (int jc = j0; jc < j1; jc += GemmBlocking.NC)
                {
                    int nc = Math.Min(GemmBlocking.NC, j1 - jc);
                    float* block = b.Block(pc, kc, jc, nc, scratch.BBlock);
                    Macro(ref a, block, ic, icEnd, jc, nc, pc, kc, depth, c, ldc, epilogue, scratch.Tile);
                }
            }
        }
    }

    // Every register tile of rows [i0, i1) x columns [jc, jc + nc) for one depth block.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Macro<TA>(
        ref TA a, float* block, int i0, int i1, int jc, int nc, int pc, int kc, int depth, float* c, nint ldc, in EpilogueTerms epilogue, float* tile)
        where TA : struct, IASource
    {
        const int MR = GemmBlocking.MR;
        const int NR = GemmBlocking.NR;
        bool accumulate = pc > 0;
        bool finish = pc + kc == depth && epilogue.Any;
        for (int ir = i0; ir < i1; ir += MR)
        {
            int mr = Math.Min(MR, i1 - ir);
            float* sliver = a.Sliver(ir, pc, kc, out nint aRowStride, out nint aStep);
            for (int jr = 0; jr < nc; jr += NR)
            {
                int nr = Math.Min(NR, nc - jr);
                float* panel = block + ((jr / NR) * kc * NR);
                float* target = c + (ir * ldc) + jc + jr;
                if (mr == MR && nr == NR)
                {
                    MicroKernel.Run(kc, sliver, aRowStride, aStep, panel, target, ldc, accumulate);
                }
                else if (mr < MR && SmallRowsKernel.Supported)
                {
                    // Few rows (a decode step's one per sequence): compute only those, not six.
                    if (nr == NR)
                    {
                        SmallRowsKernel.Run(mr, kc, sliver, aRowStride, aStep, panel, target, ldc, accumulate);
                    }
                    else
                    {
                        SmallRowsKernel.Run(mr, kc, sliver, aRowStride, aStep, panel, tile, NR, accumulate: false);
                        MergeEdge(tile, target, ldc, mr, nr, accumulate);
                    }
                }
                else
                {
                    MicroKernel.Run(kc, sliver, aRowStride, aStep, panel, tile, NR, accumulate: false);
                    MergeEdge(tile, target, ldc, mr, nr, accumulate);
                }

                if (finish)
                {
                    epilogue.Apply(c, ldc, ir, jc + jr, mr, nr);
                }
            }
        }
    }

    private static void MergeEdge(float* tile, float* target, nint ldc, int rows, int cols, bool accumulate)
    {
        for (int r = 0; r < rows; r++)
        {
            var source = new ReadOnlySpan<float>(tile + (r * GemmBlocking.NR), cols);
            var destination = new Span<float>(target + (r * ldc), cols);
            if (accumulate)
            {
                System.Numerics.Tensors.TensorPrimitives.Add(destination, source, destination);
            }
            else
            {
                source.CopyTo(destination);
            }
        }
    }

    private static void ZeroProduct(float* c, nint ldc, int i0, int i1, int j0, int j1, in EpilogueTerms epilogue)
    {
        for (int i = i0; i < i1; i++)
        {
            new Span<float>(c + (i * ldc) + j0, j1 - j0).Clear();
        }

        if (epilogue.Any)
        {
            epilogue.Apply(c, ldc, i0, j0, i1 - i0, j1 - j0);
        }
    }
}
