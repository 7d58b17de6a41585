using GenPipe.Core.Text;
using Microsoft.Extensions.Logging;

namespace GenPipe.Core.Memory;

// Making room: which entries go, and disposing them so their memory really returns to the system.
public sealed partial class ComponentPool
{
    // Under the lock: evicts unleased entries, least recently used first, until `bytes` more fit; null (evicting
    // nothing) when they would not fit even with every unleased entry gone.
    private List<Entry>? MakeRoom(long bytes, HashSet<string>? exclude)
    {
        if (_used + bytes <= BudgetBytes)
        {
            return [];
        }

        var candidates = _entries.Values
            .Where(e => e.Leases == 0 && e.IsLoaded && (exclude is null || !exclude.Contains(e.Key)))
            .OrderBy(e => e.LastUse)
            .ToList();
        if (_used - candidates.Sum(e => e.Bytes) + bytes > BudgetBytes)
        {
            return null;
        }

        var evicted = new List<Entry>();
        foreach (var entry in candidates)
        {
            if (_used + bytes <= BudgetBytes)
            {
                break;
            }

            _entries.Remove(entry.Key);
            _used -= entry.Bytes;
            if (entry.IsComponent)
            {
                _evictions++;
                evicted.Add(entry);
            }
        }

        return evicted;
    }

    private async ValueTask DisposeEvictedAsync(List<Entry>? evicted)
    {
        long freed = 0;
        foreach (var entry in evicted ?? [])
        {
            if (_logger.IsEnabled(LogLevel.Debug))
            {
                _logger.LogDebug("Evicted component {Name} ({Bytes})", entry.Component!.Name, ByteSize.Format(entry.Bytes));
            }

            freed += entry.Bytes;
            await DisposeInstanceAsync(entry).ConfigureAwait(false);
        }

        if (freed >= CollectAfterEvictingBytes)
        {
            // Weights held in managed arrays go back to the system only after a collection, and memory-mapped ones are
            // unmapped by finalizers; without this the process would hold the evicted model and the next one together.
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        }
    }

    private static async ValueTask DisposeInstanceAsync(Entry entry)
    {
        switch (entry.Value)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }

        entry.Value = null;
    }
}
