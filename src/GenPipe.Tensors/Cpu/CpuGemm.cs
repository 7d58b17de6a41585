using System.Runtime.CompilerServices;
using GenPipe.Tensors.Backends;
using GenPipe.Tensors.Cpu.Gemm;
using GenPipe.Tensors.Threading;

namespace GenPipe.Tensors.Cpu;

/// Matrix products on the CPU: Goto/BLIS-style packing around an AVX-512 register-tiled micro-kernel
/// (<see cref="MicroKernel"/>, <see cref="GemmDriver"/>), each call split over the workers by <see cref="WorkPlan"/>.
internal static unsafe class CpuGemm
{
    // One batch axis of size 1 (rows are addressed by one stride); built once, as a collection expression may allocate.
    private static readonly Dims SingleProduct = new([1]);
    private static readonly Dims ZeroStride = new([0]);

    // Packing B once per call for all threads costs a buffer of K x N floats, kept by the calling thread for reuse:
    // up to 16 MiB; larger B are packed block by block by each share instead.
    private const long SharedPackLimit = 4L << 20;

    // Below this many multiply-adds the product runs on one thread anyway, so per-share packing is as good.
    private const long SharedPackMinimumWork = 1L << 17;

    /// Packs a constant B [K, N] (any strides) once into the micro-kernel's panel layout.
    public static PackedMatrix Pack(TensorView b)
    {
        if (b.IsNone || b.Rank != 2)
        {
            throw new ArgumentException($"PackMatrix expects a [K, N] matrix; got {(b.IsNone ? "none" : b.Shape.ToString())}.", nameof(b));
        }

        int k = b.Dim(0), n = b.Dim(1);
        var packed = new CpuPackedMatrix(k, n);
        if (k == 0 || n == 0)
        {
            return packed;
        }

        fixed (float* origin = &b.Origin)
        {
            var source = new StridedB(origin, b.Stride(0), b.Stride(1), n);
            int blockDepth = GemmBlocking.DepthBlock(k);
            for (int pc = 0; pc < k; pc += blockDepth)
            {
                int kc = Math.Min(blockDepth, k - pc);
                source.PackBlock(packed.Data + ((nint)pc * packed.PaddedN), pc, kc, 0, n);
            }
        }

        return packed;
    }

    /// output [..., M, N] = epilogue(a [..., M, K] · b [..., K, N] or [K, N]).
    public static void MatMul(TensorView a, TensorView b, TensorView output, in GemmEpilogue epilogue, CpuWorkers workers)
    {
        ArgumentNullException.ThrowIfNull(workers);
        RequireView(a, nameof(a));
        RequireView(b, nameof(b));
        RequireView(output, nameof(output));
        if (a.Rank < 2 || b.Rank < 2 || output.Rank != a.Rank)
        {
            throw new ArgumentException(
                $"MatMul expects a [..., M, K], b [..., K, N] or [K, N] and output [..., M, N]; got a {a.Shape}, b {b.Shape}, output {output.Shape}.");
        }

        int m = a.Dim(-2), k = a.Dim(-1), n = b.Dim(-1);
        bool sharedB = b.Rank == 2;
        if (b.Dim(-2) != k || output.Dim(-2) != m || output.Dim(-1) != n
            || (!sharedB && b.Rank != a.Rank) || !SameBatch(a, output) || (!sharedB && !SameBatch(a, b)))
        {
            throw new ArgumentException(
                $"MatMul shapes do not match: a {a.Shape} · b {b.Shape} cannot produce output {output.Shape}.");
        }

        RequireUnitColumns(output, n);
        ViewShapes.CheckEpilogue(epilogue, output, n, "MatMul");
        if (m == 0 || n == 0 || output.Length == 0)
        {
            return;
        }

        int batchRank = a.Rank - 2;
        var job = MatMulJob.Current;
        job.BatchShape = Leading(output.Shape, batchRank);
        job.ABatchStrides = Leading(a.Strides, batchRank);
        job.BBatchStrides = sharedB ? new Dims(stackalloc int[batchRank]) : Leading(b.Strides, batchRank);
        job.CBatchStrides = Leading(output.Strides, batchRank);
        int products = (int)job.BatchShape.Product;

        var residual = epilogue.Residual;
        bool copyResidual = !residual.IsNone && (ViewShapes.Overlap(residual, output) || (residual.Stride(-1) != 1 && n > 1));
        float* residualCopy = copyResidual ? CallerScratch.Dense(CallerScratch.Residual, residual) : null;
        job.RBatchStrides = residual.IsNone ? job.CBatchStrides : copyResidual ? DenseBatchStrides(output.Shape) : Leading(residual.Strides, batchRank);
        nint residualRowStride = residual.IsNone ? 0 : copyResidual ? n : residual.Stride(-2);
        fixed (float* pa = &a.Origin)
        fixed (float* pb = &b.Origin)
        fixed (float* pc = &output.Origin)
        fixed (float* pinnedResidual = &PinnableOrNull(copyResidual ? default : residual))
        {
            float* pr = copyResidual ? residualCopy : pinnedResidual;
            job.A = pa;
            job.ARowStride = a.Stride(-2);
            job.AColStride = a.Stride(-1);
            job.B = pb;
            job.BRowStride = b.Stride(-2);
            job.BColStride = b.Stride(-1);
            job.PackedB = null;
            job.PaddedN = 0;
            if ((sharedB || products == 1) && (long)k * GemmBlocking.RoundUp(n, GemmBlocking.NR) <= SharedPackLimit && (long)m * n * k >= SharedPackMinimumWork)
            {
                // One B for every product and share: pack it once, in parallel, instead of once per share.
                int paddedN = GemmBlocking.RoundUp(n, GemmBlocking.NR);
                float* shared = CallerScratch.Get(CallerScratch.PackedB, k * paddedN);
                PackBJob.Current.Run(new StridedB(pb, b.Stride(-2), b.Stride(-1), n), shared, k, n, workers);
                job.PackedB = shared;
                job.PaddedN = paddedN;
            }

            job.C = pc;
            job.Ldc = output.Stride(-2);
            job.M = m;
            job.N = n;
            job.K = k;
            job.Epilogue = Terms(epilogue, pr, residualRowStride);
            job.Plan = WorkPlan.Choose(products, m, n, k, workers.Threads, preferRows: job.PackedB != null || b.Stride(-1) == 1 || n == 1);
            workers.For(products * job.Plan.ChunksPerProduct, job);
        }
    }

    /// output [..., N] = epilogue(a [..., K] · packed [K, N]), the leading axes of a read as rows.
    public static void MatMul(TensorView a, PackedMatrix b, TensorView output, in GemmEpilogue epilogue, CpuWorkers workers)
    {
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(workers);
        if (b is not CpuPackedMatrix packed)
        {
            throw new ArgumentException(
                $"The packed matrix was packed by the '{b.Device}' backend ({b.GetType().Name}); pack it with the CPU backend.", nameof(b));
        }

        RequireView(a, nameof(a));
        RequireView(output, nameof(output));
        int k = packed.K, n = packed.N;
        if (a.Rank < 1 || output.Rank != a.Rank || a.Dim(-1) != k || output.Dim(-1) != n || !SameLeading(a, output))
        {
            throw new ArgumentException(
                $"MatMul shapes do not match: a {a.Shape} · packed [{k}, {n}] cannot produce output {output.Shape}.");
        }

        if (a.Stride(-1) != 1 && k > 1)
        {
            throw new ArgumentException($"MatMul with a packed matrix reads a {a.Shape} as rows and needs a unit last stride; got strides {a.Strides}.", nameof(a));
        }

        RequireUnitColumns(output, n);
        ViewShapes.CheckEpilogue(epilogue, output, n, "MatMul");
        int rows = a.Length / Math.Max(k, 1);
        if (k == 0)
        {
            rows = output.Length / Math.Max(n, 1);
        }

        if (rows == 0 || n == 0)
        {
            return;
        }

        if (!ViewShapes.TryCollapse(output, output.Rank - 1, out nint ldc))
        {
            throw new ArgumentException($"MatMul output {output.Shape} with strides {output.Strides} cannot be addressed as rows; pass a contiguous output.", nameof(output));
        }

        var job = MatMulJob.Current;
        job.BatchShape = SingleProduct;
        job.ABatchStrides = job.BBatchStrides = job.CBatchStrides = job.RBatchStrides = ZeroStride;
        var residual = epilogue.Residual;
        nint residualRowStride = 0;
        bool copyResidual = !residual.IsNone && (ViewShapes.Overlap(residual, output) || (residual.Stride(-1) != 1 && n > 1)
            || !ViewShapes.TryCollapse(residual, residual.Rank - 1, out residualRowStride));
        float* residualCopy = copyResidual ? CallerScratch.Dense(CallerScratch.Residual, residual) : null;
        if (copyResidual)
        {
            residualRowStride = n;
        }

        bool copyRows = !ViewShapes.TryCollapse(a, a.Rank - 1, out nint aRowStride);
        float* rowsCopy = copyRows ? CallerScratch.Dense(CallerScratch.Rows, a) : null;
        if (copyRows)
        {
            aRowStride = k;
        }

        fixed (float* pinnedA = &a.Origin)
        fixed (float* pc = &output.Origin)
        fixed (float* pinnedResidual = &PinnableOrNull(copyResidual ? default : residual))
        {
            float* pa = copyRows ? rowsCopy : pinnedA;
            float* pr = copyResidual ? residualCopy : pinnedResidual;
            job.A = pa;
            job.ARowStride = aRowStride;
            job.AColStride = 1;
            job.B = null;
            job.BRowStride = job.BColStride = 0;
            job.PackedB = packed.Data;
            job.PaddedN = packed.PaddedN;
            job.C = pc;
            job.Ldc = ldc;
            job.M = rows;
            job.N = n;
            job.K = k;
            job.Epilogue = Terms(epilogue, pr, residualRowStride);
            job.Plan = WorkPlan.Choose(1, rows, n, k, workers.Threads, preferRows: true);
            workers.For(job.Plan.ChunksPerProduct, job);
            job.PackedB = null;
        }

        packed.KeepAlive();
    }

    /// The epilogue as raw pointers; the bias is copied densely when it is strided.
    internal static EpilogueTerms Terms(in GemmEpilogue epilogue, float* residual, nint residualRowStride, bool biasPerRow = false)
    {
        float* bias = null;
        if (!epilogue.Bias.IsNone)
        {
            // The bias is small (one value per channel): a dense copy keeps the kernels to one layout and is pinned.
            bias = CallerScratch.Dense(CallerScratch.Bias, epilogue.Bias);
        }

        return new EpilogueTerms
        {
            Alpha = epilogue.Alpha,
            Bias = bias,
            BiasPerRow = biasPerRow,
            Activation = epilogue.Activation,
            Residual = residual,
            ResidualRowStride = residualRowStride,
        };
    }

    internal static ref float PinnableOrNull(TensorView view) => ref view.IsNone ? ref Unsafe.NullRef<float>() : ref view.Origin;

    private static void RequireView(TensorView view, string name)
    {
        if (view.IsNone)
        {
            throw new ArgumentException($"The tensor '{name}' is required.", name);
        }
    }

    private static void RequireUnitColumns(TensorView output, int n)
    {
        if (output.Stride(-1) != 1 && n > 1)
        {
            throw new ArgumentException($"The output {output.Shape} must have a unit last stride; got strides {output.Strides}.", nameof(output));
        }
    }

    private static bool SameBatch(TensorView x, TensorView y)
    {
        for (int i = 0; i < x.Rank - 2; i++)
        {
            if (x.Dim(i) != y.Dim(i))
            {
                return false;
            }
        }

        return true;
    }

    private static bool SameLeading(TensorView x, TensorView y)
    {
        for (int i = 0; i < x.Rank - 1; i++)
        {
            if (x.Dim(i) != y.Dim(i))
            {
                return false;
            }
        }

        return true;
    }

    internal static Dims DenseBatchStrides(Dims shape)
    {
        int batchRank = shape.Rank - 2;
        Span<int> strides = stackalloc int[batchRank];
        long stride = (long)shape[-1] * shape[-2];
        for (int i = batchRank - 1; i >= 0; i--)
        {
            strides[i] = (int)stride;
            stride *= shape[i];
        }

        return new Dims(strides);
    }

    private static Dims Leading(Dims dims, int count)
    {
        Span<int> values = stackalloc int[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = dims[i];
        }

        return new Dims(values);
    }
}
