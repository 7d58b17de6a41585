namespace GenPipe.Abstractions.Components;

/// <summary>
/// A component held for use. While any lease on it is open the host's pool will not evict it, and a component that does
/// not declare <see cref="ComponentDescriptor.ConcurrentUse"/> is not handed to anyone else. Dispose the lease when
/// done (<c>await using var unet = await context.AcquireAsync&lt;IDenoiser&gt;("denoiser", ct);</c>); the step's
/// end releases whatever is still open.
/// </summary>
/// <typeparam name="T">The contract the component is used as.</typeparam>
public sealed class ComponentLease<T> : IAsyncDisposable, IDisposable
    where T : class
{
    private Action? _release;

    /// <summary>A lease on <paramref name="value"/>; <paramref name="release"/> runs once, on the first dispose.</summary>
    public ComponentLease(T value, Action? release)
    {
        ArgumentNullException.ThrowIfNull(value);
        Value = value;
        _release = release;
    }

    /// <summary>The component. Do not keep it past the lease: once released, it may be evicted and disposed.</summary>
    public T Value { get; }

    /// <summary>Releases the lease.</summary>
    public void Dispose() => Interlocked.Exchange(ref _release, null)?.Invoke();

    /// <summary>Releases the lease.</summary>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
