using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using GenPipe.Tensors.Cpu.Kernels;
using GenPipe.Tensors.Threading;

namespace GenPipe.Tensors.Cpu;

/// <summary>Data movement: strided copies, nearest-neighbour upsampling and concatenation.</summary>
internal static class CpuLayout
{
    [ThreadStatic]
    private static UpsampleJob? t_upsample;

    public static void Copy(TensorView source, TensorView destination, CpuWorkers workers)
    {
        ShapeChecks.NotNone(source, nameof(source));
        ShapeChecks.SameShape(source, destination, "Copy", nameof(destination));
        if (source.IsContiguous && destination.IsContiguous && source.Length < Chunking.MinElementsPerChunk * 4)
        {
            source.Span.CopyTo(destination.Span);
            return;
        }

        StridedCopy.Run(source, destination, workers);
    }

    public static void UpsampleNearest(TensorView input, int scaleH, int scaleW, TensorView output, CpuWorkers workers)
    {
        ShapeChecks.Rank(input, 4, "UpsampleNearest", nameof(input));
        ShapeChecks.Rank(output, 4, "UpsampleNearest", nameof(output));
        if (scaleH < 1 || scaleW < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(scaleH), $"UpsampleNearest: factors {scaleH}x{scaleW} must be positive.");
        }

        if (output.Dim(0) != input.Dim(0) || output.Dim(1) != input.Dim(1) ||
            output.Dim(2) != input.Dim(2) * scaleH || output.Dim(3) != input.Dim(3) * scaleW)
        {
            throw new ArgumentException(
                $"UpsampleNearest: output is {output.Shape}; input {input.Shape} upsampled {scaleH}x{scaleW} needs " +
                $"[{input.Dim(0)}, {input.Dim(1)}, {input.Dim(2) * scaleH}, {input.Dim(3) * scaleW}].", nameof(output));
        }

        ShapeChecks.Contiguous(output, "UpsampleNearest", nameof(output));
        int planes = input.Dim(0) * input.Dim(1);
        if (planes == 0 || output.Length == 0)
        {
            return;
        }

        var job = t_upsample ??= new UpsampleJob();
        job.Input = input;
        job.Output = output;
        job.ScaleH = scaleH;
        job.ScaleW = scaleW;
        job.Chunks = Chunking.Count(planes, output.Dim(2) * (long)output.Dim(3), workers.Threads);
        try
        {
            workers.For(job.Chunks, job);
        }
        finally
        {
            job.Input = job.Output = default;
        }
    }

    public static void Concat(ReadOnlySpan<TensorView> inputs, int axis, TensorView output, CpuWorkers workers)
    {
        ShapeChecks.NotNone(output, nameof(output));
        if (inputs.Length == 0)
        {
            throw new ArgumentException("Concat needs at least one input.", nameof(inputs));
        }

        int rank = output.Rank;
        int a = axis < 0 ? axis + rank : axis;
        if ((uint)a >= (uint)rank)
        {
            throw new ArgumentOutOfRangeException(nameof(axis), $"Concat: axis {axis} is out of range for the output {output.Shape}.");
        }

        int total = 0;
        for (int i = 0; i < inputs.Length; i++)
        {
            var input = inputs[i];
            ShapeChecks.NotNone(input, nameof(inputs));
            if (input.Rank != rank || input.Shape.With(a, output.Dim(a)) != output.Shape)
            {
                throw new ArgumentException(
                    $"Concat along axis {a}: input {i} is {input.Shape}, which differs from the output {output.Shape} outside that axis.", nameof(inputs));
            }

            total += input.Dim(a);
        }

        if (total != output.Dim(a))
        {
            throw new ArgumentException(
                $"Concat along axis {a}: the inputs add up to {total} but the output {output.Shape} has {output.Dim(a)}.", nameof(output));
        }

        int start = 0;
        foreach (var input in inputs)
        {
            int length = input.Dim(a);
            StridedCopy.Run(input, output.Slice(a, start, length), workers);
            start += length;
        }
    }

    private sealed class UpsampleJob : IParallelWork
    {
        public TensorView Input;
        public TensorView Output;
        public int ScaleH;
        public int ScaleW;
        public int Chunks;

        public void Execute(int index)
        {
            int channels = Input.Dim(1), h = Input.Dim(2), w = Input.Dim(3);
            int sn = Input.Stride(0), sc = Input.Stride(1), sh = Input.Stride(2), sw = Input.Stride(3);
            int wo = w * ScaleW;
            int planeOut = h * ScaleH * wo;
            var (start, end) = Chunking.Range(Input.Dim(0) * channels, Chunks, index);
            ref float src = ref Input.Origin;
            ref float dst = ref Output.Origin;
            for (long p = start; p < end; p++)
            {
                int n = (int)(p / channels), c = (int)(p % channels);
                ref float plane = ref Unsafe.Add(ref src, (n * sn) + (c * sc));
                ref float outPlane = ref Unsafe.Add(ref dst, (int)p * planeOut);
                for (int y = 0; y < h; y++)
                {
                    ref float row = ref Unsafe.Add(ref plane, y * sh);
                    var first = MemoryMarshal.CreateSpan(ref Unsafe.Add(ref outPlane, y * ScaleH * wo), wo);
                    if (ScaleW == 1 && sw == 1)
                    {
                        MemoryMarshal.CreateReadOnlySpan(ref row, w).CopyTo(first);
                    }
                    else
                    {
                        for (int x = 0, o = 0; x < w; x++, o += ScaleW)
                        {
                            first.Slice(o, ScaleW).Fill(Unsafe.Add(ref row, x * sw));
                        }
                    }

                    for (int r = 1; r < ScaleH; r++)
                    {
                        first.CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref outPlane, ((y * ScaleH) + r) * wo), wo));
                    }
                }
            }
        }
    }
}
