using System.Runtime.CompilerServices;

namespace GenPipe.Tensors.Cpu.Kernels;

/// <summary>
/// The iteration space of up to three views of one shape, as "runs" along the innermost dimension after merging every
/// pair of neighbouring dimensions that all operands lay out back to back (a contiguous [2, 3, 4] is one run of 24).
/// Elementwise kernels walk runs and hand each run to a vectorized routine.
/// </summary>
internal struct RunLayout
{
    private Ints _shape;
    private Ints _strideA;
    private Ints _strideB;
    private Ints _strideC;

    /// <summary>The number of merged dimensions (at least 1).</summary>
    public int Rank { get; private set; }

    /// <summary>The length of each run.</summary>
    public readonly int Run => _shape[Rank - 1];

    /// <summary>The innermost strides of the three operands.</summary>
    public readonly int InnerA => _strideA[Rank - 1];

    public readonly int InnerB => _strideB[Rank - 1];

    public readonly int InnerC => _strideC[Rank - 1];

    /// <summary>The number of runs.</summary>
    public long Runs { get; private set; }

    /// <summary>Merges the dimensions of <paramref name="shape"/> for operands with the given strides.</summary>
    public static RunLayout Create(Dims shape, Dims a, Dims b, Dims c)
    {
        var layout = default(RunLayout);
        int rank = 0;

        // Walk from the innermost dimension outwards, skipping size-1 dimensions and folding a dimension into the one
        // inside it when every operand's stride says they are adjacent in memory.
        Span<int> sh = stackalloc int[Dims.MaxRank];
        Span<int> sa = stackalloc int[Dims.MaxRank];
        Span<int> sb = stackalloc int[Dims.MaxRank];
        Span<int> sc = stackalloc int[Dims.MaxRank];
        for (int d = shape.Rank - 1; d >= 0; d--)
        {
            int size = shape[d];
            if (size == 1)
            {
                continue;
            }

            if (rank > 0)
            {
                int inner = rank - 1;
                if (a[d] == sa[inner] * sh[inner] && b[d] == sb[inner] * sh[inner] && c[d] == sc[inner] * sh[inner])
                {
                    sh[inner] *= size;
                    continue;
                }
            }

            sh[rank] = size;
            sa[rank] = a[d];
            sb[rank] = b[d];
            sc[rank] = c[d];
            rank++;
        }

        if (rank == 0)
        {
            sh[0] = shape.Product == 0 ? 0 : 1;
            sa[0] = sb[0] = sc[0] = 1;
            rank = 1;
        }

        long runs = 1;
        for (int i = 0; i < rank; i++)
        {
            // Stored outermost first.
            layout._shape[i] = sh[rank - 1 - i];
            layout._strideA[i] = sa[rank - 1 - i];
            layout._strideB[i] = sb[rank - 1 - i];
            layout._strideC[i] = sc[rank - 1 - i];
            if (i < rank - 1)
            {
                runs *= layout._shape[i];
            }
        }

        layout.Rank = rank;
        layout.Runs = layout._shape[rank - 1] == 0 ? 0 : runs;
        return layout;
    }

    /// <summary>The element offsets (relative to each view's origin) where run <paramref name="run"/> starts.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Offsets(long run, out int a, out int b, out int c)
    {
        a = b = c = 0;
        for (int d = Rank - 2; d >= 0 && run != 0; d--)
        {
            int size = _shape[d];
            long next = run / size;
            int index = (int)(run - (next * size));
            run = next;
            a += index * _strideA[d];
            b += index * _strideB[d];
            c += index * _strideC[d];
        }
    }

    [InlineArray(Dims.MaxRank)]
    private struct Ints
    {
        private int _element0;
    }
}
