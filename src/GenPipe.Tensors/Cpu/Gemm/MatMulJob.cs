using GenPipe.Tensors.Threading;

namespace GenPipe.Tensors.Cpu.Gemm;

/// One batched product spread over the workers: chunk t is product t / ChunksPerProduct, share t % ChunksPerProduct.
/// One instance per calling thread is reused, so a call allocates nothing.
internal sealed unsafe class MatMulJob : IParallelWork
{
    [ThreadStatic]
    private static MatMulJob? t_instance;

    public float* A;
    public nint ARowStride;
    public nint AColStride;
    public float* B;
    public nint BRowStride;
    public nint BColStride;
    // B already in panel layout (a PackedMatrix's or one packed for this call), or null to pack per share.
    public float* PackedB;
    public int PaddedN;
    public float* C;
    public nint Ldc;
    public int M;
    public int N;
    public int K;
    public EpilogueTerms Epilogue;
    public WorkPlan Plan;

    // Batch axes: product index -> element offsets of a, b, c and the residual.
    public Dims BatchShape;
    public Dims ABatchStrides;
    public Dims BBatchStrides;
    public Dims CBatchStrides;
    public Dims RBatchStrides;

    public static MatMulJob Current => t_instance ??= new MatMulJob();

    public void Execute(int index)
    {
        int product = index / Plan.ChunksPerProduct;
        var (start, end) = Plan.Range(index % Plan.ChunksPerProduct);
        int i0 = 0, i1 = M, j0 = 0, j1 = N;
        if (Plan.SplitRows)
        {
            i0 = start * GemmBlocking.MR;
            i1 = Math.Min(M, end * GemmBlocking.MR);
        }
        else
        {
            j0 = start * GemmBlocking.NR;
            j1 = Math.Min(N, end * GemmBlocking.NR);
        }

        nint aOffset = 0, bOffset = 0, cOffset = 0, rOffset = 0;
        for (int axis = BatchShape.Rank - 1, rest = product; axis >= 0; axis--)
        {
            int size = BatchShape[axis];
            int at = rest % size;
            rest /= size;
            aOffset += (nint)at * ABatchStrides[axis];
            bOffset += (nint)at * BBatchStrides[axis];
            cOffset += (nint)at * CBatchStrides[axis];
            rOffset += (nint)at * RBatchStrides[axis];
        }

        var epilogue = Epilogue;
        if (epilogue.Residual != null)
        {
            epilogue.Residual += rOffset;
        }

        var a = new StridedA(A + aOffset, ARowStride, AColStride, M);
        var scratch = GemmScratch.Current;
        if (PackedB != null)
        {
            var b = new PrepackedB(PackedB, PaddedN);
            GemmDriver.Run(ref a, ref b, K, i0, i1, j0, j1, C + cOffset, Ldc, epilogue, scratch);
        }
        else
        {
            var b = new StridedB(B + bOffset, BRowStride, BColStride, N);
            GemmDriver.Run(ref a, ref b, K, i0, i1, j0, j1, C + cOffset, Ldc, epilogue, scratch);
        }
    }
}
