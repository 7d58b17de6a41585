using GenPipe.Tensors.Backends;

namespace GenPipe.Tensors.Cpu.Conv;

/// <summary>
/// 3x3 convolution weights transformed for Winograd's F(2x2, 3x3) (Lavin and Gray, 2016): U = G g Gᵀ per output and
/// input channel, stored as 16 matrices U_ξ [Cin, Cout] packed for the GEMM, one per element ξ of the 4x4 transform.
/// A 2x2 block of outputs then costs 16 multiplies per channel pair instead of 36: the 16 products
/// M_ξ = V_ξ · U_ξ over all tiles replace the convolution's 9 (<see cref="WinogradConv"/>).
/// </summary>
internal sealed class WinogradWeights
{
    /// <summary>Input channels at least: narrower layers are too little work for the transforms to pay.</summary>
    internal const int MinInChannels = 32;

    // G of F(2x2, 3x3): the 3-tap filter to 4 points.
    private static readonly float[,] G = { { 1f, 0f, 0f }, { 0.5f, 0.5f, 0.5f }, { 0.5f, -0.5f, 0.5f }, { 0f, 0f, 1f } };

    private WinogradWeights(PackedMatrix[] matrices, int inChannels, int outChannels)
    {
        Matrices = matrices;
        InChannels = inChannels;
        OutChannels = outChannels;
    }

    /// <summary>U_ξ [Cin, Cout] for ξ = 4i + j, packed.</summary>
    public PackedMatrix[] Matrices { get; }

    public int InChannels { get; }

    public int OutChannels { get; }

    /// <summary>Bytes of the 16 packed matrices.</summary>
    public long ByteCount => Matrices.Sum(m => m.ByteCount);

    /// <summary>
    /// Whether the transformed path is set up for weights [Cout, Cin, 3, 3] with this geometry: a dense 3x3 kernel,
    /// stride 1, padding 1, no dilation or groups, at least <see cref="MinInChannels"/> input channels, and <see cref="CpuConv2d.WinogradEnabled"/>.
    /// </summary>
    public static bool Suits(int inChannels, int kernelH, int kernelW, Conv2dGeometry g) =>
        CpuConv2d.WinogradEnabled && kernelH == 3 && kernelW == 3 && g.StrideH == 1 && g.StrideW == 1 && g.PadH == 1 && g.PadW == 1
        && g.DilationH == 1 && g.DilationW == 1 && g.Groups == 1 && inChannels >= MinInChannels;

    /// <summary>Transforms and packs <paramref name="weight"/> [Cout, Cin, 3, 3].</summary>
    public static WinogradWeights Create(TensorView weight) => Create(weight.ToArray(), weight.Dim(0), weight.Dim(1));

    /// <summary>Transforms and packs dense weights [Cout, Cin, 3, 3] in row-major order.</summary>
    public static WinogradWeights Create(float[] dense, int cout, int cin)
    {

        // u[ξ][ci][co] = (G g Gᵀ)[i][j], in double so the transform itself adds no rounding beyond the final cast.
        var u = new float[16 * cin * cout];
        Span<double> gg = stackalloc double[12];
        for (int co = 0; co < cout; co++)
        {
            for (int ci = 0; ci < cin; ci++)
            {
                int k = ((co * cin) + ci) * 9;
                for (int i = 0; i < 4; i++)
                {
                    for (int c = 0; c < 3; c++)
                    {
                        gg[(i * 3) + c] = (G[i, 0] * (double)dense[k + c]) + (G[i, 1] * (double)dense[k + 3 + c]) + (G[i, 2] * (double)dense[k + 6 + c]);
                    }
                }

                for (int i = 0; i < 4; i++)
                {
                    for (int j = 0; j < 4; j++)
                    {
                        double value = (gg[i * 3] * G[j, 0]) + (gg[(i * 3) + 1] * G[j, 1]) + (gg[(i * 3) + 2] * G[j, 2]);
                        u[(((i * 4) + j) * cin * cout) + (ci * cout) + co] = (float)value;
                    }
                }
            }
        }

        var all = new Tensor(u, 16, cin, cout);
        var matrices = new PackedMatrix[16];
        for (int xi = 0; xi < 16; xi++)
        {
            matrices[xi] = CpuGemm.Pack(all.View.Select(0, xi));
        }

        return new WinogradWeights(matrices, cin, cout);
    }
}
