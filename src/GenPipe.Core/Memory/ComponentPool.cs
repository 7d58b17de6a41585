using GenPipe.Abstractions.Components;
using GenPipe.Core.Execution;
using GenPipe.Core.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace GenPipe.Core.Memory;

/// <summary>
/// The default <see cref="IComponentPool"/>. One short lock guards the bookkeeping; loading runs outside it, one task
/// per component identity, so a slow load never holds up another component's load or a lease on a loaded one.
/// </summary>
/// <remarks>
/// Eviction order: values kept between runs and components nobody leases, least recently used first (leased or
/// released, whichever was last). Only what the new components need is evicted, and nothing is evicted when even
/// evicting everything unleased would not make room: the step waits for leases to end instead. Every instance is
/// disposed on eviction, which is what returns its memory (memory-mapped weights unmapped, pooled buffers given back).
/// </remarks>
public sealed partial class ComponentPool : IComponentPool, IDisposable
{
    // Evicting at least this much triggers a full collection (see DisposeEvictedAsync): below it the cost of a
    // collection outweighs the memory.
    private const long CollectAfterEvictingBytes = 32L << 20;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _estimates = new(StringComparer.Ordinal);
    private readonly ILogger _logger;
    private TaskCompletionSource _changed = NewSignal();
    private long _used;
    private long _peak;
    private long _clock;
    private long _loads;
    private long _evictions;
    private bool _disposed;

    /// <summary>Creates a pool; without a budget it takes the memory available to the process.</summary>
    public ComponentPool(ComponentPoolOptions? options = null, ILogger<ComponentPool>? logger = null)
    {
        BudgetBytes = options?.BudgetBytes ?? MachineMemory.AvailableBytes;
        Device = options?.Device ?? GenPipe.Tensors.CpuDevice.Name;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(BudgetBytes);
        _logger = logger ?? NullLogger<ComponentPool>.Instance;
    }

    /// <inheritdoc />
    public long BudgetBytes { get; }

    /// <summary>The device components are created for.</summary>
    public string Device { get; }

    /// <inheritdoc />
    public ComponentPoolUsage Usage
    {
        get
        {
            lock (_lock)
            {
                long leased = _entries.Values.Where(e => e.Leases > 0).Sum(e => e.Bytes);
                int components = _entries.Values.Count(e => e.IsComponent);
                long kept = _entries.Values.Where(e => !e.IsComponent).Sum(e => e.Bytes);
                return new ComponentPoolUsage(BudgetBytes, _used, leased, _peak, components, _entries.Count - components, _loads, _evictions, kept);
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask<IComponentLeases> AcquireAsync(IReadOnlyCollection<PipelineComponent> components, IServiceProvider services, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(components);
        ArgumentNullException.ThrowIfNull(services);
        var wanted = components.DistinctBy(c => c.Identity).ToArray();
        if (wanted.Length == 0)
        {
            return new Leases(this, []);
        }

        while (true)
        {
            // Inside the loop: a retry after a load turned out larger than estimated reserves its real size.
            var estimates = wanted.Select(c => EstimateOf(c, services)).ToArray();
            var leases = await ReserveAsync(wanted, estimates, services, cancellationToken).ConfigureAwait(false);
            try
            {
                foreach (var entry in leases.Entries)
                {
                    await entry.Ready.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
                }

                return leases;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Another step's load of a shared component was cancelled with that step: try again, loading it here.
                await leases.DisposeAsync().ConfigureAwait(false);
            }
            catch (EstimateTooLowException)
            {
                // A component turned out larger than estimated and did not fit: reserve again with its real size.
                await leases.DisposeAsync().ConfigureAwait(false);
            }
            catch
            {
                await leases.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
    }

    /// <inheritdoc />
    public void Keep(string key, object value, long bytes)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        List<Entry> evicted;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_entries.Remove(key, out var old))
            {
                _used -= old.Bytes;
            }

            bytes = Math.Max(0, bytes);
            evicted = MakeRoom(bytes, exclude: null) ?? [];
            if (_used + bytes <= BudgetBytes)
            {
                _entries[key] = Entry.Kept(key, value, bytes, ++_clock);
                Count(bytes);
            }
        }

        // Keep is synchronous (it is called between steps); evicting a component here disposes it on this thread.
        DisposeEvictedAsync(evicted).AsTask().GetAwaiter().GetResult();
    }

    /// <inheritdoc />
    public bool TryGetKept(string key, out object value)
    {
        ArgumentNullException.ThrowIfNull(key);
        lock (_lock)
        {
            if (_entries.TryGetValue(key, out var entry) && !entry.IsComponent)
            {
                entry.LastUse = ++_clock;
                value = entry.Value!;
                return true;
            }
        }

        value = null!;
        return false;
    }

    /// <summary>Disposes every loaded component, newest first, and forgets kept values.</summary>
    public async ValueTask DisposeAsync()
    {
        Entry[] loaded;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            loaded = [.. _entries.Values.Where(e => e.IsComponent).OrderByDescending(e => e.Created)];
            _entries.Clear();
            _used = 0;
            Signal();
        }

        foreach (var entry in loaded)
        {
            await DisposeInstanceAsync(entry).ConfigureAwait(false);
        }
    }

    /// <summary>Disposes every loaded component, newest first, and forgets kept values.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    // Leases every wanted component or none; waits (holding nothing) while that is not possible yet.
    private async Task<Leases> ReserveAsync(PipelineComponent[] wanted, long[] estimates, IServiceProvider services, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task changed;
            List<Entry>? evicted = null;
            Leases? reserved = null;
            List<Entry> toLoad = [];
            lock (_lock)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (TryReserve(wanted, estimates, toLoad, out evicted) is { } entries)
                {
                    reserved = new Leases(this, entries);
                }

                changed = _changed.Task;
            }

            await DisposeEvictedAsync(evicted).ConfigureAwait(false);
            if (reserved is not null)
            {
                foreach (var entry in toLoad)
                {
                    _ = LoadAsync(entry, services, cancellationToken);
                }

                return reserved;
            }

            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    // Under the lock: the entries (now leased) when all wanted components can be leased now, else null.
    private Entry[]? TryReserve(PipelineComponent[] wanted, long[] estimates, List<Entry> toLoad, out List<Entry>? evicted)
    {
        evicted = null;
        long need = 0;
        long total = 0;
        var wantedKeys = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < wanted.Length; i++)
        {
            wantedKeys.Add(wanted[i].Identity);
            if (_entries.TryGetValue(wanted[i].Identity, out var entry) && entry.IsComponent)
            {
                total += entry.Bytes;
                if (entry.Leases > 0 && !entry.Concurrent)
                {
                    return null; // Another step is using it and it serves one at a time.
                }
            }
            else
            {
                need += estimates[i];
                total += estimates[i];
            }
        }

        if (total > BudgetBytes)
        {
            throw new ComponentBudgetException(TooLargeMessage(wanted, estimates, total));
        }

        if (_used + need > BudgetBytes)
        {
            evicted = MakeRoom(need, wantedKeys);
            if (evicted is null)
            {
                return null; // Other steps lease the memory; their release wakes this one.
            }
        }

        var entries = new Entry[wanted.Length];
        for (int i = 0; i < wanted.Length; i++)
        {
            string key = wanted[i].Identity;
            if (!_entries.TryGetValue(key, out var entry) || !entry.IsComponent)
            {
                entry = Entry.Loading(wanted[i], estimates[i], ++_clock);
                _entries[key] = entry;
                Count(entry.Bytes);
                toLoad.Add(entry);
            }

            entry.Leases++;
            entry.LastUse = ++_clock;
            entries[i] = entry;
        }

        return entries;
    }

    private void Release(Entry entry)
    {
        List<Entry>? evicted = null;
        lock (_lock)
        {
            if (entry.Leases > 0)
            {
                entry.Leases--;
                entry.LastUse = ++_clock;
                if (entry.Leases == 0)
                {
                    evicted = Remeasure(entry);
                }
            }

            Signal();
        }

        // Components dispose synchronously in practice (their DisposeAsync, where they have one, frees memory and
        // returns); a lease is released from synchronous code, so this waits for it.
        DisposeEvictedAsync(evicted).AsTask().GetAwaiter().GetResult();
    }

    // Under the lock, when nobody leases the entry: a component's buffers grow with the largest call it served (and a
    // device backend's memory is only known to the component), so count what it reports holding now. Growth beyond the
    // budget evicts other unleased entries; what cannot be evicted stays counted, visible in the peak.
    private List<Entry>? Remeasure(Entry entry)
    {
        if (entry.Value is not IMemoryFootprint footprint || !entry.IsLoaded)
        {
            return null;
        }

        long now = footprint.MemoryFootprint.Sum(d => d.TotalBytes);
        long more = now - entry.Bytes;
        if (more == 0)
        {
            return null;
        }

        var evicted = more > 0 ? MakeRoom(more, new HashSet<string>(StringComparer.Ordinal) { entry.Key }) : null;
        Count(more);
        entry.Bytes = now;
        _estimates[entry.Key] = now;
        return evicted;
    }

    private string TooLargeMessage(PipelineComponent[] wanted, long[] estimates, long total)
    {
        string parts = string.Join(", ", wanted
            .Select((c, i) => (Component: c, Bytes: _entries.TryGetValue(c.Identity, out var e) ? e.Bytes : estimates[i]))
            .Where(p => p.Bytes > 0)
            .Select(p => $"'{p.Component.Name}' ({p.Component.TypeId}) {ByteSize.Format(p.Bytes)}"));
        string leased = string.Join(", ", _entries.Values.Where(e => e.Leases > 0).Select(e => $"'{e.Component!.Name}' {ByteSize.Format(e.Bytes)}"));
        return $"The memory budget of {ByteSize.Format(BudgetBytes)} is too small for this step: it needs {ByteSize.Format(total)} " +
            $"at once ({parts}); leased now: {(leased.Length == 0 ? "nothing" : leased)}. Raise the budget (--memory-budget, " +
            "or MemoryBudget in genpipe.json) or use smaller models.";
    }

    private void Count(long bytes)
    {
        _used += bytes;
        _peak = Math.Max(_peak, _used);
    }

    // Under the lock: wakes every waiting step to try again.
    private void Signal()
    {
        var changed = _changed;
        _changed = NewSignal();
        changed.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
