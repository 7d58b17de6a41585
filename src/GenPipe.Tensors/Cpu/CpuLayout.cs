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

    public static void UpsampleNearest(TensorView input, TensorView output, CpuWorkers workers)
    {
        ShapeChecks.Rank(input, 4, "UpsampleNearest", nameof(input));
        ShapeChecks.Rank(output, 4, "UpsampleNearest", nameof(output));
        if (output.Dim(0) != input.Dim(0) || output.Dim(1) != input.Dim(1) ||
            (output.Length > 0 && (input.Dim(2) == 0 || input.Dim(3) == 0)))
        {
            throw new ArgumentException(
                $"UpsampleNearest: output is {output.Shape}; input {input.Shape} needs an output [{input.Dim(0)}, {input.Dim(1)}, H, W].", nameof(output));
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

    /// <summary>
    /// The source index of output index <paramref name="o"/> when <paramref name="input"/> positions are resized to
    /// <paramref name="output"/>, as PyTorch's <c>interpolate(mode="nearest")</c> computes it: exact for equal sizes and
    /// for doubling, otherwise the floor of <c>o * (input / output)</c> with the ratio in float32, clamped.
    /// </summary>
    internal static int NearestSource(int o, int input, int output)
    {
        if (output == input)
        {
            return o;
        }

        if (output == 2 * input)
        {
            return o >> 1;
        }

        float scale = (float)input / output;
        return Math.Min((int)MathF.Floor(o * scale), input - 1);
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
        public int Chunks;

        public void Execute(int index)
        {
            int channels = Input.Dim(1), h = Input.Dim(2), w = Input.Dim(3);
            int ho = Output.Dim(2), wo = Output.Dim(3);
            int sn = Input.Stride(0), sc = Input.Stride(1), sh = Input.Stride(2), sw = Input.Stride(3);
            int planeOut = ho * wo;
            var (start, end) = Chunking.Range(Input.Dim(0) * channels, Chunks, index);
            ref float src = ref Input.Origin;
            ref float dst = ref Output.Origin;
            for (long p = start; p < end; p++)
            {
                int n = (int)(p / channels), c = (int)(p % channels);
                ref float plane = ref Unsafe.Add(ref src, (n * sn) + (c * sc));
                ref float outPlane = ref Unsafe.Add(ref dst, (int)p * planeOut);
                int previous = -1;
                for (int yo = 0; yo < ho; yo++)
                {
                    var line = MemoryMarshal.CreateSpan(ref Unsafe.Add(ref outPlane, yo * wo), wo);
                    int y = NearestSource(yo, h, ho);
                    if (y == previous)
                    {
                        // The same source row as the line above: copy that line instead of gathering again.
                        MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref outPlane, (yo - 1) * wo), wo).CopyTo(line);
                        continue;
                    }

                    previous = y;
                    ref float row = ref Unsafe.Add(ref plane, y * sh);
                    if (wo == w && sw == 1)
                    {
                        MemoryMarshal.CreateReadOnlySpan(ref row, w).CopyTo(line);
                    }
                    else if (wo == 2 * w)
                    {
                        for (int x = 0; x < w; x++)
                        {
                            float v = Unsafe.Add(ref row, x * sw);
                            line[2 * x] = v;
                            line[(2 * x) + 1] = v;
                        }
                    }
                    else
                    {
                        for (int xo = 0; xo < wo; xo++)
                        {
                            line[xo] = Unsafe.Add(ref row, NearestSource(xo, w, wo) * sw);
                        }
                    }
                }
            }
        }
    }
}
