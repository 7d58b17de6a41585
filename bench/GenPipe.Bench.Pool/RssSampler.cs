using System.Diagnostics;

namespace GenPipe.Bench.Pool;

/// <summary>
/// Samples the resident set on a thread of its own every few milliseconds and keeps the highest, with its split read
/// at that moment. Between samples a peak can pass unseen, which is why the kernel's own peak (VmHWM) is reported beside it.
/// </summary>
internal sealed class RssSampler : IDisposable
{
    private readonly Thread _thread;
    private readonly int _intervalMs;
    private readonly long _started = Stopwatch.GetTimestamp();
    private volatile bool _stop;
    private Resident _peak;
    private int _samples;

    public RssSampler(int intervalMs)
    {
        _intervalMs = intervalMs;
        // Above the workers, so that on two busy cores it still wakes when its interval is up.
        _thread = new Thread(Sample) { IsBackground = true, Name = "rss-sampler", Priority = ThreadPriority.AboveNormal };
        _thread.Start();
    }

    public Resident Peak => _peak;

    public int Samples => _samples;

    /// <summary>The mean time between samples, as achieved (not as asked).</summary>
    public double MeanIntervalMs { get; private set; }

    public void Dispose()
    {
        if (_stop)
        {
            return;
        }

        _stop = true;
        _thread.Join();
        MeanIntervalMs = Stopwatch.GetElapsedTime(_started).TotalMilliseconds / Math.Max(1, _samples);
    }

    private void Sample()
    {
        while (!_stop)
        {
            // The whole status read (tens of microseconds), so the highest sample comes with its own split.
            var now = ProcMemory.Now();
            _samples++;
            if (now.Bytes > _peak.Bytes)
            {
                _peak = now;
            }

            Thread.Sleep(_intervalMs);
        }
    }
}
