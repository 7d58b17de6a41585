using GenPipe.Tensors.Backends;

namespace GenPipe.Tensors.Cpu.Gemm;

/// A constant B [K, N] in the CPU product's panel layout: depth blocks of KC, each holding ceil(N / NR) panels
/// [kc][NR] (zero padded), block k0 starting at k0 * PaddedN. Pinned, so kernels read it through a raw pointer.
internal sealed unsafe class CpuPackedMatrix : PackedMatrix
{
    private readonly float[] _storage;

    public CpuPackedMatrix(int k, int n)
    {
        K = k;
        N = n;
        PaddedN = GemmBlocking.RoundUp(Math.Max(n, 1), GemmBlocking.NR);
        _storage = GC.AllocateUninitializedArray<float>(((int)Math.Max(1L, (long)k * PaddedN)) + 16, pinned: true);
        fixed (float* p = _storage)
        {
            Data = (float*)(((nint)p + 63) & ~(nint)63);
        }
    }

    public override int K { get; }

    public override int N { get; }

    public override string Device => CpuDevice.Name;

    public override long ByteCount => _storage.LongLength * sizeof(float);

    public int PaddedN { get; }

    /// The packed floats (64-byte aligned; the array is on the pinned heap and never moves).
    public float* Data { get; }

    /// Keeps the pinned array reachable for as long as a kernel holds <see cref="Data"/>.
    public void KeepAlive() => GC.KeepAlive(_storage);
}
