using GenPipe.Nn.Layers;

namespace GenPipe.Nn.Blocks;

/// <summary>The spatial self-attention of UNet2DModel's attention blocks: group norm, biased projections, residual.</summary>
internal static class UNetAttention
{
    public static Attention Create(int channels, int headDim, int groups, float epsilon) =>
        new(channels, channels / headDim, headDim, bias: true, normGroups: groups, normEpsilon: epsilon, residualConnection: true);
}
