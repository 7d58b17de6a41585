using GenPipe.Tensors.Backends;
using GenPipe.Tensors.Cpu.Gemm;

namespace GenPipe.Tensors.Cpu.Conv;

/// Convolution weights as the A operand of an implicit GEMM per group: A_g [Cout / groups, Cin / groups * kH * kW]
/// packed into MR-row slivers in depth blocks of KC (<see cref="PrepackedA"/>'s layout), one region per group.
internal sealed unsafe class CpuPackedConv2d : PackedConv2d
{
    private readonly float[] _storage;
    private readonly bool _suitsWinograd;
    private WinogradWeights? _winograd;

    public CpuPackedConv2d(TensorView weight, Conv2dGeometry geometry)
    {
        OutChannels = weight.Dim(0);
        InChannels = weight.Dim(1) * geometry.Groups;
        KernelH = weight.Dim(2);
        KernelW = weight.Dim(3);
        Geometry = geometry;
        GroupRows = OutChannels / geometry.Groups;
        GroupDepth = weight.Dim(1) * KernelH * KernelW;
        PaddedRows = GemmBlocking.RoundUp(Math.Max(GroupRows, 1), GemmBlocking.MR);
        GroupStride = Math.Max(1L, (long)GroupDepth * PaddedRows);
        _storage = GC.AllocateUninitializedArray<float>(checked((int)(GroupStride * geometry.Groups)) + 16, pinned: true);
        fixed (float* p = _storage)
        {
            Data = (float*)(((nint)p + 63) & ~(nint)63);
        }

        // Dense [Cout, Cin/g * kH * kW] rows first: the weight may arrive as any strided view.
        float[] dense = weight.ToArray();
        fixed (float* rows = dense)
        {
            for (int g = 0; g < geometry.Groups; g++)
            {
                var source = new StridedA(rows + ((nint)g * GroupRows * GroupDepth), GroupDepth, 1, GroupRows);
                float* target = Data + (g * GroupStride);
                int blockDepth = GemmBlocking.DepthBlock(GroupDepth);
                for (int pc = 0; pc < GroupDepth; pc += blockDepth)
                {
                    int kc = Math.Min(blockDepth, GroupDepth - pc);
                    for (int i = 0; i < GroupRows; i += GemmBlocking.MR)
                    {
                        source.PackSliver(target + ((nint)pc * PaddedRows) + ((nint)(i / GemmBlocking.MR) * kc * GemmBlocking.MR), i, pc, kc);
                    }
                }
            }
        }

        _suitsWinograd = WinogradWeights.Suits(InChannels, KernelH, KernelW, geometry);
    }

    /// The F(2x2, 3x3) copy of the weights when they suit it, or null. Made on first use, from the packed weights: it
    /// is 16/9 of the layer's weights, paid only by layers that see images large enough for the Winograd path (a
    /// model run at small sizes never holds it). Concurrent first calls may both build it; one copy is kept.
    public WinogradWeights? Winograd => _suitsWinograd ? Volatile.Read(ref _winograd) ?? MakeWinograd() : null;

    public override int OutChannels { get; }

    public override int InChannels { get; }

    public override int KernelH { get; }

    public override int KernelW { get; }

    public override Conv2dGeometry Geometry { get; }

    public override string Device => CpuDevice.Name;

    public override long ByteCount => (_storage.LongLength * sizeof(float)) + (Volatile.Read(ref _winograd)?.ByteCount ?? 0);

    /// Output channels per group (rows of each group's A).
    public int GroupRows { get; }

    /// Cin / groups * kH * kW (the depth of each group's product).
    public int GroupDepth { get; }

    public int PaddedRows { get; }

    /// Floats between two groups' packed regions.
    public long GroupStride { get; }

    public float* Data { get; }

    /// The packed A of group <paramref name="group"/>.
    public PrepackedA GroupWeights(int group) => new(Data + (group * GroupStride), PaddedRows);

    public void KeepAlive() => GC.KeepAlive(_storage);

    // Once made, reading the copy allocates nothing (no closure on the hot path).
    private WinogradWeights MakeWinograd()
    {
        var made = WinogradWeights.Create(Unpacked(), OutChannels, InChannels);
        return Interlocked.CompareExchange(ref _winograd, made, null) ?? made;
    }

    // The dense [Cout, Cin/g * kH * kW] rows back from the slivers (the inverse of the constructor's packing; one group).
    private float[] Unpacked()
    {
        var dense = new float[(long)OutChannels * GroupDepth];
        int blockDepth = GemmBlocking.DepthBlock(GroupDepth);
        for (int pc = 0; pc < GroupDepth; pc += blockDepth)
        {
            int kc = Math.Min(blockDepth, GroupDepth - pc);
            for (int row = 0; row < GroupRows; row++)
            {
                float* sliver = Data + ((nint)pc * PaddedRows) + ((nint)(row / GemmBlocking.MR) * kc * GemmBlocking.MR) + (row % GemmBlocking.MR);
                for (int k = 0; k < kc; k++)
                {
                    dense[((long)row * GroupDepth) + pc + k] = sliver[k * GemmBlocking.MR];
                }
            }
        }

        KeepAlive();
        return dense;
    }
}
