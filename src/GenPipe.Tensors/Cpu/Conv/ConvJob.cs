using GenPipe.Tensors.Cpu.Gemm;
using GenPipe.Tensors.Threading;

namespace GenPipe.Tensors.Cpu.Conv;

/// One convolution spread over the workers: chunk t is (image, group) t / ChunksPerProduct, share t % ChunksPerProduct
/// of that product's output channels or pixels. One instance per calling thread is reused.
internal sealed unsafe class ConvJob : IParallelWork
{
    [ThreadStatic]
    private static ConvJob? t_instance;

    public CpuPackedConv2d? Weights;
    public ConvShape Shape;
    public bool Pointwise;
    public float* Input;
    public nint InputImageStride;
    public int GroupChannels;
    public float* Output;
    public nint OutputImageStride;
    public nint OutputChannelStride;
    public nint ResidualImageStride;
    public nint ResidualChannelStride;
    public EpilogueTerms Epilogue;
    public WorkPlan Plan;

    public static ConvJob Current => t_instance ??= new ConvJob();

    public void Execute(int index)
    {
        var weights = Weights!;
        int groups = weights.Geometry.Groups;
        int product = index / Plan.ChunksPerProduct;
        int image = product / groups;
        int group = product - (image * groups);
        int rows = weights.GroupRows;
        int pixels = Shape.OutH * Shape.OutW;
        var (start, end) = Plan.Range(index % Plan.ChunksPerProduct);
        int i0 = 0, i1 = rows, j0 = 0, j1 = pixels;
        if (Plan.SplitRows)
        {
            i0 = start * GemmBlocking.MR;
            i1 = Math.Min(rows, end * GemmBlocking.MR);
        }
        else
        {
            j0 = start * GemmBlocking.NR;
            j1 = Math.Min(pixels, end * GemmBlocking.NR);
        }

        var epilogue = Epilogue;
        nint firstChannel = (nint)group * rows;
        if (epilogue.Bias != null)
        {
            epilogue.Bias += firstChannel;
        }

        if (epilogue.Residual != null)
        {
            epilogue.Residual += (image * ResidualImageStride) + (firstChannel * ResidualChannelStride);
        }

        float* c = Output + (image * OutputImageStride) + (firstChannel * OutputChannelStride);
        float* source = Input + (image * InputImageStride) + ((nint)group * GroupChannels * Shape.ChannelStride);
        var a = weights.GroupWeights(group);
        var scratch = GemmScratch.Current;
        if (Pointwise)
        {
            var b = new StridedB(source, Shape.ChannelStride, 1, pixels);
            GemmDriver.Run(ref a, ref b, weights.GroupDepth, i0, i1, j0, j1, c, OutputChannelStride, epilogue, scratch);
        }
        else
        {
            var b = new Im2ColB(source, Shape);
            GemmDriver.Run(ref a, ref b, weights.GroupDepth, i0, i1, j0, j1, c, OutputChannelStride, epilogue, scratch);
        }
    }
}
