namespace GenPipe.Bench.SchedulerQuality;

/// <summary>Model evaluations since the last reset; shared by the counting denoisers the engine creates.</summary>
internal sealed class EvaluationCounter
{
    private long _calls;

    public long Calls => Interlocked.Read(ref _calls);

    public void Increment() => Interlocked.Increment(ref _calls);

    public void Reset() => Interlocked.Exchange(ref _calls, 0);
}
