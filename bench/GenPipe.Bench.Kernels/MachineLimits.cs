using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using GenPipe.Tensors.Threading;

namespace GenPipe.Bench.Kernels;

/// <summary>
/// The physical limits the kernels are judged against, measured here: peak FP32 FMA throughput (independent FMA chains
/// in registers, at the widest vector width the CPU accelerates: Vector512 with AVX-512, Vector256 with AVX2) and memory
/// bandwidth (a STREAM-style triad over arrays far larger than the caches).
/// </summary>
internal static class MachineLimits
{
    /// The vector width the peak is measured at.
    public static string PeakVector => Vector512.IsHardwareAccelerated ? "Vector512" : "Vector256";

    /// <summary>
    /// Peak FMA throughput of <paramref name="threads"/> cores, each chain running on a thread of its own started for
    /// the measurement: with the shared workers, a caller that finds its helper asleep runs every chunk itself, which
    /// would report one core's peak as two's.
    /// </summary>
    public static double PeakGflops(int threads)
    {
        var job = new FmaJob();
        job.Execute(0); // warm-up (JIT)
        double best = 0;
        for (int rep = 0; rep < 3; rep++) // best of three: a neighbour on this VM can steal a run
        {
            using var ready = new Barrier(threads + 1);
            var runners = Enumerable.Range(0, threads).Select(i => new Thread(() =>
            {
                ready.SignalAndWait();
                job.Execute(i);
            })).ToArray();
            foreach (var runner in runners)
            {
                runner.Start();
            }

            ready.SignalAndWait();
            long start = Stopwatch.GetTimestamp();
            foreach (var runner in runners)
            {
                runner.Join();
            }

            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            best = Math.Max(best, threads * job.FlopsPerChunk / seconds / 1e9);
        }

        return best;
    }

    public static double TriadGBps(CpuWorkers workers, int threads)
    {
        workers.Threads = threads;
        var job = new TriadJob(threads);
        double best = 0;
        for (int rep = 0; rep < 5; rep++)
        {
            long start = Stopwatch.GetTimestamp();
            workers.For(threads, job);
            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            best = Math.Max(best, 3.0 * 4 * TriadJob.Length / seconds / 1e9); // two arrays read, one written
        }

        return best;
    }

    private sealed class FmaJob : IParallelWork
    {
        private const int Iterations = 20_000_000;
        private const int Chains = 12;

        /// Chains x lanes x 2 FLOP per iteration.
        public double FlopsPerChunk => (double)Iterations * Chains * (Vector512.IsHardwareAccelerated ? 16 : 8) * 2;

        public float Sink;

        public void Execute(int index)
        {
            Sink = Vector512.IsHardwareAccelerated ? Wide() : Narrow();
        }

        private static float Wide()
        {
            var m = Vector512.Create(0.999999f);
            var c = Vector512.Create(1e-7f);
            Vector512<float> a0 = Vector512.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
            Vector512<float> a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
            for (int i = 0; i < Iterations; i++)
            {
                a0 = Vector512.FusedMultiplyAdd(a0, m, c);
                a1 = Vector512.FusedMultiplyAdd(a1, m, c);
                a2 = Vector512.FusedMultiplyAdd(a2, m, c);
                a3 = Vector512.FusedMultiplyAdd(a3, m, c);
                a4 = Vector512.FusedMultiplyAdd(a4, m, c);
                a5 = Vector512.FusedMultiplyAdd(a5, m, c);
                a6 = Vector512.FusedMultiplyAdd(a6, m, c);
                a7 = Vector512.FusedMultiplyAdd(a7, m, c);
                a8 = Vector512.FusedMultiplyAdd(a8, m, c);
                a9 = Vector512.FusedMultiplyAdd(a9, m, c);
                a10 = Vector512.FusedMultiplyAdd(a10, m, c);
                a11 = Vector512.FusedMultiplyAdd(a11, m, c);
            }

            return Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
        }

        // The same 12 chains in 16 ymm registers (AVX2 has 16, so 12 accumulators plus the two constants fit).
        private static float Narrow()
        {
            var m = Vector256.Create(0.999999f);
            var c = Vector256.Create(1e-7f);
            Vector256<float> a0 = Vector256.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
            Vector256<float> a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
            for (int i = 0; i < Iterations; i++)
            {
                a0 = Vector256.FusedMultiplyAdd(a0, m, c);
                a1 = Vector256.FusedMultiplyAdd(a1, m, c);
                a2 = Vector256.FusedMultiplyAdd(a2, m, c);
                a3 = Vector256.FusedMultiplyAdd(a3, m, c);
                a4 = Vector256.FusedMultiplyAdd(a4, m, c);
                a5 = Vector256.FusedMultiplyAdd(a5, m, c);
                a6 = Vector256.FusedMultiplyAdd(a6, m, c);
                a7 = Vector256.FusedMultiplyAdd(a7, m, c);
                a8 = Vector256.FusedMultiplyAdd(a8, m, c);
                a9 = Vector256.FusedMultiplyAdd(a9, m, c);
                a10 = Vector256.FusedMultiplyAdd(a10, m, c);
                a11 = Vector256.FusedMultiplyAdd(a11, m, c);
            }

            return Vector256.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
        }
    }

    private sealed class TriadJob : IParallelWork
    {
        public const int Length = 32 << 20; // 128 MiB per array

        private readonly float[] _a = new float[Length];
        private readonly float[] _b = new float[Length];
        private readonly float[] _c = new float[Length];
        private readonly int _chunks;

        public TriadJob(int chunks)
        {
            _chunks = chunks;
            _b.AsSpan().Fill(1f);
            _c.AsSpan().Fill(2f);
            _a.AsSpan().Fill(-1f); // touch every page before timing
        }

        public void Execute(int index)
        {
            int size = Length / _chunks;
            int start = index * size;
            TensorPrimitives.MultiplyAdd(_c.AsSpan(start, size), 3f, _b.AsSpan(start, size), _a.AsSpan(start, size));
        }
    }
}
