using GenPipe.Tensors.Threading;

namespace GenPipe.Tensors.Cpu.Gemm;

/// Packs a whole B [K, N] into the panel layout of <see cref="PrepackedB"/>, one (depth block, panel) per chunk, so
/// that the threads share one copy instead of each packing its own. One instance per calling thread is reused.
internal sealed unsafe class PackBJob : IParallelWork
{
    [ThreadStatic]
    private static PackBJob? t_instance;

    private StridedB _source;
    private float* _destination;
    private int _depth;
    private int _paddedCols;
    private int _blockDepth;
    private int _panels;

    public static PackBJob Current => t_instance ??= new PackBJob();

    /// Packs <paramref name="source"/> [depth, cols] into <paramref name="destination"/> (depth x paddedCols floats).
    public void Run(StridedB source, float* destination, int depth, int cols, CpuWorkers workers)
    {
        _source = source;
        _destination = destination;
        _depth = depth;
        _paddedCols = GemmBlocking.RoundUp(cols, GemmBlocking.NR);
        _blockDepth = GemmBlocking.DepthBlock(depth);
        _panels = _paddedCols / GemmBlocking.NR;
        int blocks = (depth + _blockDepth - 1) / _blockDepth;
        workers.For(blocks * _panels, this);
    }

    public void Execute(int index)
    {
        int block = index / _panels;
        int panel = index - (block * _panels);
        int k0 = block * _blockDepth;
        int kc = Math.Min(_blockDepth, _depth - k0);
        float* target = _destination + ((nint)k0 * _paddedCols) + ((nint)panel * kc * GemmBlocking.NR);
        _source.PackBlock(target, k0, kc, panel * GemmBlocking.NR, GemmBlocking.NR);
    }
}
