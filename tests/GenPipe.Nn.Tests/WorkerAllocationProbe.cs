using GenPipe.Tensors.Threading;

namespace GenPipe.Nn.Tests;

/// <summary>
/// Reads the allocated-bytes counter of every thread a <see cref="CpuWorkers"/> computes on (the caller included):
/// one chunk per thread, each chunk waiting until all have started so that no thread takes two. Allocation-free, so it
/// can bracket the work it measures.
/// </summary>
internal sealed class WorkerAllocationProbe(CpuWorkers workers) : IParallelWork
{
    private readonly long[] _bytes = new long[workers.MaxThreads];
    private int _started;

    /// <summary>The sum of the allocated-bytes counters of the worker threads (and the calling thread).</summary>
    public long Read()
    {
        int threads = workers.Threads;
        Array.Clear(_bytes);
        Volatile.Write(ref _started, 0);
        workers.For(threads, this);
        long sum = 0;
        foreach (long b in _bytes)
        {
            sum += b;
        }

        return sum;
    }

    public void Execute(int index)
    {
        Interlocked.Increment(ref _started);
        var spin = default(SpinWait);
        while (Volatile.Read(ref _started) < workers.Threads)
        {
            spin.SpinOnce(sleep1Threshold: -1);
        }

        _bytes[index] = GC.GetAllocatedBytesForCurrentThread();
    }
}
