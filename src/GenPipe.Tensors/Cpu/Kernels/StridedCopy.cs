using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using GenPipe.Tensors.Threading;

namespace GenPipe.Tensors.Cpu.Kernels;

/// <summary>Copies one strided view into another of the same shape, run by run (memory copies where both runs are
/// dense), over the workers when large. Shared by Copy and Concat.</summary>
internal static class StridedCopy
{
    [ThreadStatic]
    private static CopyJob? t_job;

    public static void Run(TensorView source, TensorView destination, CpuWorkers workers)
    {
        var layout = RunLayout.Create(destination.Shape, source.Strides, destination.Strides, destination.Strides);
        if (layout.Runs == 0)
        {
            return;
        }

        var job = t_job ??= new CopyJob();
        job.Source = source;
        job.Destination = destination;
        job.Layout = layout;
        job.Chunks = Chunking.Count(layout.Runs, layout.Run, workers.Threads, 2 * Chunking.MinElementsPerChunk);
        try
        {
            workers.For(job.Chunks, job);
        }
        finally
        {
            job.Source = job.Destination = default;
        }
    }

    private sealed class CopyJob : IParallelWork
    {
        public TensorView Source;
        public TensorView Destination;
        public RunLayout Layout;
        public int Chunks;

        public void Execute(int index)
        {
            var (start, end) = Chunking.Range(Layout.Runs, Chunks, index);
            ref float src = ref Source.Origin;
            ref float dst = ref Destination.Origin;
            int run = Layout.Run;
            int ss = Layout.InnerA, ds = Layout.InnerB;
            for (long r = start; r < end; r++)
            {
                Layout.Offsets(r, out int os, out int od, out _);
                ref float s = ref Unsafe.Add(ref src, os);
                ref float d = ref Unsafe.Add(ref dst, od);
                if (ss == 1 && ds == 1)
                {
                    MemoryMarshal.CreateReadOnlySpan(ref s, run).CopyTo(MemoryMarshal.CreateSpan(ref d, run));
                }
                else if (ss == 0)
                {
                    float value = s;
                    for (int i = 0; i < run; i++)
                    {
                        Unsafe.Add(ref d, i * ds) = value;
                    }
                }
                else
                {
                    for (int i = 0; i < run; i++)
                    {
                        Unsafe.Add(ref d, i * ds) = Unsafe.Add(ref s, i * ss);
                    }
                }
            }
        }
    }
}
