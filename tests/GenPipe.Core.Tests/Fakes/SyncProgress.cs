using GenPipe.Abstractions.Operators;

namespace GenPipe.Core.Tests.Fakes;

/// <summary>Records progress synchronously (Progress&lt;T&gt; would post to a thread pool and reorder events).</summary>
public sealed class SyncProgress(Action<PipelineProgress>? onReport = null) : IProgress<PipelineProgress>
{
    public List<PipelineProgress> Events { get; } = [];

    public void Report(PipelineProgress value)
    {
        Events.Add(value);
        onReport?.Invoke(value);
    }
}
