using GenPipe.Tensors.Backends;
using GenPipe.Tensors.Cpu.Conv;
using GenPipe.Tensors.Cpu.Gemm;
using GenPipe.Tensors.Threading;

namespace GenPipe.Tensors.Cpu;

/// 2-D convolution in NCHW as an implicit GEMM per image and group: C[Cout/g, Ho*Wo] = W_g · im2col_g, with the
/// weights packed once (<see cref="CpuPackedConv2d"/>) and the im2col panels built straight from the image
/// (<see cref="Im2ColB"/>; a 1x1 stride-1 convolution reads the image itself as B). 3x3 stride-1 convolutions whose
/// weights have a Winograd copy (<see cref="WinogradWeights"/>) run as F(2x2, 3x3) on images with enough 2x2 tiles
/// (<see cref="WinogradConv"/>).
internal static unsafe class CpuConv2d
{
    /// <summary>
    /// Whether 3x3 weights get a Winograd copy when packed: true unless the environment variable
    /// <c>GENPIPE_WINOGRAD</c> is <c>0</c> (read once; for measuring the direct path against it).
    /// </summary>
    internal static readonly bool WinogradEnabled = Environment.GetEnvironmentVariable("GENPIPE_WINOGRAD") != "0";

    /// Packs weights [Cout, Cin / groups, kH, kW] for <paramref name="geometry"/>.
    public static PackedConv2d Pack(TensorView weight, Conv2dGeometry geometry)
    {
        if (weight.IsNone || weight.Rank != 4)
        {
            throw new ArgumentException(
                $"Conv2d weights must be [Cout, Cin / groups, kH, kW]; got {(weight.IsNone ? "none" : weight.Shape.ToString())}.", nameof(weight));
        }

        if (geometry.Groups < 1 || geometry.StrideH < 1 || geometry.StrideW < 1 || geometry.DilationH < 1 || geometry.DilationW < 1
            || geometry.PadH < 0 || geometry.PadW < 0)
        {
            throw new ArgumentException($"Invalid convolution geometry {geometry}: strides, dilations and groups must be positive, padding not negative.", nameof(geometry));
        }

        if (weight.Dim(0) % geometry.Groups != 0)
        {
            throw new ArgumentException($"Conv2d weights {weight.Shape}: {weight.Dim(0)} output channels do not divide into {geometry.Groups} groups.", nameof(weight));
        }

        return new CpuPackedConv2d(weight, geometry);
    }

    /// output [N, Cout, Ho, Wo] = epilogue(conv(input [N, Cin, H, W])), the bias per output channel.
    public static void Run(TensorView input, PackedConv2d weight, TensorView output, in GemmEpilogue epilogue, CpuWorkers workers)
    {
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentNullException.ThrowIfNull(workers);
        if (weight is not CpuPackedConv2d packed)
        {
            throw new ArgumentException(
                $"The convolution weights were packed by the '{weight.Device}' backend ({weight.GetType().Name}); pack them with the CPU backend.", nameof(weight));
        }

        var g = packed.Geometry;
        if (input.IsNone || output.IsNone || input.Rank != 4 || output.Rank != 4)
        {
            throw new ArgumentException($"Conv2d expects input [N, Cin, H, W] and output [N, Cout, Ho, Wo]; got input {Describe(input)}, output {Describe(output)}.");
        }

        int images = input.Dim(0), height = input.Dim(2), width = input.Dim(3);
        int outH = g.OutputHeight(height, packed.KernelH), outW = g.OutputWidth(width, packed.KernelW);
        if (input.Dim(1) != packed.InChannels || output.Dim(0) != images || output.Dim(1) != packed.OutChannels
            || output.Dim(2) != outH || output.Dim(3) != outW || outH <= 0 || outW <= 0)
        {
            throw new ArgumentException(
                $"Conv2d shapes do not match: input {input.Shape} with weights [{packed.OutChannels}, {packed.InChannels / g.Groups}, {packed.KernelH}, {packed.KernelW}] "
                + $"and {g} give [{images}, {packed.OutChannels}, {outH}, {outW}], but the output is {output.Shape}.");
        }

        if (!DensePlanes(output))
        {
            throw new ArgumentException($"The Conv2d output {output.Shape} needs dense H x W planes; got strides {output.Strides}.", nameof(output));
        }

        ViewShapes.CheckEpilogue(epilogue, output, packed.OutChannels, "Conv2d");
        if (images == 0)
        {
            return;
        }

        bool copyInput = !DensePlanes(input) || ViewShapes.Overlap(input, output);
        float* inputCopy = copyInput ? CallerScratch.Dense(CallerScratch.Rows, input) : null;
        var residual = epilogue.Residual;
        bool copyResidual = !residual.IsNone && (!DensePlanes(residual) || ViewShapes.Overlap(residual, output));
        float* residualCopy = copyResidual ? CallerScratch.Dense(CallerScratch.Residual, residual) : null;

        var job = ConvJob.Current;
        fixed (float* pinnedInput = &input.Origin)
        fixed (float* pc = &output.Origin)
        fixed (float* pinnedResidual = &CpuGemm.PinnableOrNull(copyResidual ? default : residual))
        {
            job.Weights = packed;
            nint channelStride = copyInput ? height * width : input.Stride(1);
            job.Shape = new ConvShape(
                height, width, channelStride, packed.KernelH, packed.KernelW, g.StrideH, g.StrideW, g.PadH, g.PadW, g.DilationH, g.DilationW, outH, outW);
            job.Pointwise = packed.KernelH == 1 && packed.KernelW == 1 && g.StrideH == 1 && g.StrideW == 1 && g.PadH == 0 && g.PadW == 0;
            job.Input = copyInput ? inputCopy : pinnedInput;
            job.InputImageStride = copyInput ? channelStride * packed.InChannels : input.Stride(0);
            job.GroupChannels = packed.InChannels / g.Groups;
            job.Output = pc;
            job.OutputImageStride = output.Stride(0);
            job.OutputChannelStride = output.Stride(1);
            float* pr = copyResidual ? residualCopy : pinnedResidual;
            job.ResidualImageStride = residual.IsNone ? 0 : copyResidual ? (nint)packed.OutChannels * outH * outW : residual.Stride(0);
            job.ResidualChannelStride = residual.IsNone ? 0 : copyResidual ? (nint)outH * outW : residual.Stride(1);
            job.Epilogue = CpuGemm.Terms(epilogue, pr, job.ResidualChannelStride, biasPerRow: true);
            if (epilogue.Activation == Activation.None && epilogue.Alpha == 1f && WinogradConv.Suits(height, width)
                && packed.Winograd is { } winograd)
            {
                WinogradConv.Run(
                    winograd, job.Input, job.InputImageStride, channelStride, images, height, width, pc, job.OutputImageStride, job.OutputChannelStride,
                    job.Epilogue.Bias, job.Epilogue.Residual, job.ResidualImageStride, job.ResidualChannelStride, workers);
                job.Weights = null;
                packed.KeepAlive();
                return;
            }

            int products = images * g.Groups;
            job.Plan = WorkPlan.Choose(products, packed.GroupRows, outH * outW, packed.GroupDepth, workers.Threads, preferRows: false);
            workers.For(products * job.Plan.ChunksPerProduct, job);
            job.Weights = null;
        }

        packed.KeepAlive();
    }

    // Rows of each H x W plane follow each other densely, as the packing routines read them.
    private static bool DensePlanes(TensorView view) =>
        (view.Stride(3) == 1 || view.Dim(3) == 1) && (view.Stride(2) == view.Dim(3) || view.Dim(2) == 1);

    private static string Describe(TensorView view) => view.IsNone ? "none" : view.Shape.ToString();
}
