using System.Runtime.ExceptionServices;

namespace GenPipe.Tensors.Threading;

/// <summary>
/// A fixed set of worker threads for kernels. The calling thread takes part, workers spin briefly between kernels
/// (kernels come back to back, and waking a blocked thread costs tens of microseconds), and a dispatch allocates
/// nothing, unlike <see cref="Parallel.For(int, int, Action{int})"/> (about 2.6 µs and a closure per fork-join).
/// </summary>
/// <remarks>
/// One parallel region runs at a time; a region started from inside a worker runs inline on that worker.
/// <see cref="Threads"/> may be lowered at run time (the benchmarks compare 1 and 2 threads in one process).
/// </remarks>
public sealed class CpuWorkers
{
    private const int SpinIterationsBeforeSleep = 20_000;

    [ThreadStatic]
    private static bool t_insideRegion;

    private readonly Lock _gate = new();
    private readonly SemaphoreSlim[] _wake;
    private readonly int[] _sleeping;
    private IParallelWork? _work;
    private int _count;
    private int _next;
    private int _finished;
    private long _ticket; // generation << 8 | participating workers, published in one write so workers never see a mix

    // generation << 16 | closed bit | workers that joined. A worker joins a region before touching its work; the caller
    // closes the region once its own chunks are done, and then waits only for the workers that joined. A worker that
    // was not scheduled in time (a neighbour holds the core, or it was asleep) finds the region closed and skips it,
    // instead of making the caller wait for it to wake.
    private long _region;
    private const long ClosedBit = 1L << 15;
    private const long JoinedMask = ClosedBit - 1;

    private ExceptionDispatchInfo? _failure;
    private int _threads;

    /// <summary>Starts <paramref name="maxThreads"/> - 1 background workers.</summary>
    public CpuWorkers(int maxThreads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxThreads, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxThreads, 256);
        MaxThreads = maxThreads;
        _threads = maxThreads;
        _wake = new SemaphoreSlim[maxThreads - 1];
        _sleeping = new int[maxThreads - 1];
        for (int w = 0; w < _wake.Length; w++)
        {
            _wake[w] = new SemaphoreSlim(0);
            int index = w;
            var thread = new Thread(() => WorkerLoop(index))
            {
                IsBackground = true,
                Name = $"GenPipe CPU worker {w + 1}",
            };
            thread.Start();
        }
    }

    /// <summary>
    /// The process-wide workers: one thread per core, or <c>GENPIPE_THREADS</c> when that environment variable holds
    /// a positive number.
    /// </summary>
    public static CpuWorkers Shared { get; } = new(DefaultThreadCount());

    /// <summary>The number of threads this instance was created with.</summary>
    public int MaxThreads { get; }

    /// <summary>The number of threads (the caller included) that parallel regions use; 1 to <see cref="MaxThreads"/>.</summary>
    public int Threads
    {
        get => Volatile.Read(ref _threads);
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, MaxThreads);
            Volatile.Write(ref _threads, value);
        }
    }

    /// <summary>
    /// Runs <c>work.Execute(i)</c> for every i in [0, <paramref name="count"/>) across the threads and returns when
    /// all are done. The first exception thrown by a chunk is rethrown here after the others finish.
    /// </summary>
    public void For(int count, IParallelWork work)
    {
        ArgumentNullException.ThrowIfNull(work);
        int threads = Threads;
        if (count <= 0)
        {
            return;
        }

        if (count == 1 || threads == 1 || t_insideRegion)
        {
            for (int i = 0; i < count; i++)
            {
                work.Execute(i);
            }

            return;
        }

        lock (_gate)
        {
            int helpers = Math.Min(threads - 1, count - 1);
            _work = work;
            _count = count;
            _next = -1;
            _failure = null;
            long generation = (_ticket >> 8) + 1;
            Volatile.Write(ref _finished, 0);
            Volatile.Write(ref _region, generation << 16);
            Volatile.Write(ref _ticket, (generation << 8) | (long)helpers);
            for (int w = 0; w < helpers; w++)
            {
                if (Interlocked.Exchange(ref _sleeping[w], 0) == 1)
                {
                    _wake[w].Release();
                }
            }

            t_insideRegion = true;
            try
            {
                RunChunks();
            }
            finally
            {
                t_insideRegion = false;
            }

            long joined = Interlocked.Or(ref _region, ClosedBit) & JoinedMask;
            var spin = default(SpinWait);
            while (Volatile.Read(ref _finished) != joined)
            {
                spin.SpinOnce(sleep1Threshold: -1);
            }

            _work = null;
            _failure?.Throw();
        }
    }

    private void RunChunks()
    {
        var work = _work!;
        int count = _count;
        int i;
        while ((i = Interlocked.Increment(ref _next)) < count)
        {
            try
            {
                work.Execute(i);
            }
            catch (Exception ex) when (_failure is null)
            {
                Interlocked.CompareExchange(ref _failure, ExceptionDispatchInfo.Capture(ex), null);
            }
        }
    }

    private void WorkerLoop(int index)
    {
        t_insideRegion = true;
        long seen = 0;
        while (true)
        {
            seen = WaitForTicket(index, seen);
            if (index < (int)(seen & 0xFF) && TryJoin(seen >> 8))
            {
                RunChunks();
                Interlocked.Increment(ref _finished);
            }
        }
    }

    // Joins the region of <paramref name="generation"/> unless the caller has closed it or moved on to a later one.
    private bool TryJoin(long generation)
    {
        long region = Volatile.Read(ref _region);
        while ((region >> 16) == generation && (region & ClosedBit) == 0)
        {
            long seen = Interlocked.CompareExchange(ref _region, region + 1, region);
            if (seen == region)
            {
                return true;
            }

            region = seen;
        }

        return false;
    }

    private long WaitForTicket(int index, long seen)
    {
        for (int i = 0; i < SpinIterationsBeforeSleep; i++)
        {
            long ticket = Volatile.Read(ref _ticket);
            if (ticket != seen)
            {
                return ticket;
            }

            Thread.SpinWait(20);
        }

        while (true)
        {
            Volatile.Write(ref _sleeping[index], 1);
            long ticket = Volatile.Read(ref _ticket);
            if (ticket != seen)
            {
                if (Interlocked.Exchange(ref _sleeping[index], 0) == 0)
                {
                    _wake[index].Wait(); // the dispatcher cleared the flag and released us: consume that release
                }

                return ticket;
            }

            _wake[index].Wait();
            ticket = Volatile.Read(ref _ticket);
            if (ticket != seen)
            {
                return ticket;
            }
        }
    }

    private static int DefaultThreadCount()
    {
        string? configured = Environment.GetEnvironmentVariable("GENPIPE_THREADS");
        return int.TryParse(configured, out int n) && n > 0 ? n : Environment.ProcessorCount;
    }
}
