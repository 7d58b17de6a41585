using System.Runtime.CompilerServices;
using GenPipe.Tensors.Cpu.Kernels;
using GenPipe.Tensors.Threading;

namespace GenPipe.Tensors.Cpu;

/// <summary>Numerically stable softmax over the last axis: exp(x - max) / sum, three passes over each row
/// (max; exponentials and their sum; the normalization), rows spread over the workers.</summary>
internal static class CpuSoftmax
{
    [ThreadStatic]
    private static SoftmaxJob? t_job;

    public static void LastAxis(TensorView input, TensorView output, CpuWorkers workers)
    {
        ShapeChecks.NotNone(input, nameof(input));
        ShapeChecks.SameShape(input, output, "Softmax", nameof(output));
        if (input.Rank == 0)
        {
            throw new ArgumentException("Softmax needs at least one axis.", nameof(input));
        }

        ShapeChecks.UnitLastStride(input, "Softmax", nameof(input));
        ShapeChecks.Contiguous(output, "Softmax", nameof(output));
        int n = input.Dim(-1);
        var rowShape = input.Shape.With(-1, 1);
        var layout = RunLayout.Create(rowShape, input.Strides, output.Strides, output.Strides);
        long rows = layout.Runs * layout.Run;
        if (rows == 0 || n == 0)
        {
            return;
        }

        var job = t_job ??= new SoftmaxJob();
        job.Input = input;
        job.Output = output;
        job.Layout = layout;
        job.Width = n;
        job.Chunks = Chunking.Count(rows, n * 3L, workers.Threads);
        try
        {
            workers.For(job.Chunks, job);
        }
        finally
        {
            job.Input = job.Output = default;
        }
    }

    private sealed class SoftmaxJob : IParallelWork
    {
        public TensorView Input;
        public TensorView Output;
        public RunLayout Layout; // over the shape with the last axis set to 1: each element is a row start
        public int Width;
        public int Chunks;

        public void Execute(int index)
        {
            long rows = Layout.Runs * Layout.Run;
            var (start, end) = Chunking.Range(rows, Chunks, index);
            ref float x0 = ref Input.Origin;
            ref float y0 = ref Output.Origin;
            int run = Layout.Run;
            for (long r = start; r < end; r++)
            {
                Layout.Offsets(r / run, out int ox, out int oy, out _);
                int within = (int)(r % run);
                ref float x = ref Unsafe.Add(ref x0, ox + (within * Layout.InnerA));
                ref float y = ref Unsafe.Add(ref y0, oy + (within * Layout.InnerB));
                float max = RowMath.Max(ref x, Width);
                float sum = RowMath.ExpSubtractSum(ref x, ref y, Width, max);
                RowMath.Multiply(ref y, Width, 1f / sum);
            }
        }
    }
}
