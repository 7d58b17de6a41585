using GenPipe.Abstractions.Components;
using GenPipe.Core.Text;
using Microsoft.Extensions.Logging;

namespace GenPipe.Core.Memory;

// Loading one component: its size before (estimate) and after (footprint), and what happens when they disagree.
public sealed partial class ComponentPool
{
    private async Task LoadAsync(Entry entry, IServiceProvider services, CancellationToken cancellationToken)
    {
        var component = entry.Component!;
        object? instance = null;
        try
        {
            instance = await component.Descriptor.Factory(ActivationContext(component, services), cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"The factory of component type '{component.TypeId}' returned null.");
            if (component.Descriptor.Contracts.FirstOrDefault(c => !c.IsInstanceOfType(instance)) is { } missing)
            {
                throw new InvalidOperationException(
                    $"Component type '{component.TypeId}' created a {instance.GetType().Name}, which does not implement its contract {missing.Name}.");
            }

            long actual = instance is IMemoryFootprint footprint ? footprint.MemoryFootprint.Sum(d => d.TotalBytes) : entry.Bytes;
            if (actual > BudgetBytes)
            {
                throw new ComponentBudgetException(
                    $"Component '{component.Name}' ({component.TypeId}) holds {ByteSize.Format(actual)} once loaded, more than the memory " +
                    $"budget of {ByteSize.Format(BudgetBytes)}. Raise the budget (--memory-budget, or MemoryBudget in genpipe.json).");
            }

            List<Entry>? evicted;
            lock (_lock)
            {
                // Later loads of this identity reserve what it really holds.
                _estimates[entry.Key] = actual;
                long more = actual - entry.Bytes;
                evicted = MakeRoom(more, new HashSet<string>(StringComparer.Ordinal) { entry.Key });
                if (evicted is null)
                {
                    // The estimate was low and the difference does not fit beside what is leased: rather than go over
                    // the budget, give this instance up; the steps waiting for it reserve again with the real size.
                    throw new EstimateTooLowException();
                }

                Count(more);
                entry.Bytes = actual;
                entry.Value = instance;
                _loads++;
            }

            await DisposeEvictedAsync(evicted).ConfigureAwait(false);
            if (_logger.IsEnabled(LogLevel.Debug))
            {
                _logger.LogDebug("Loaded component {Name} ({Type}): {Bytes}", component.Name, component.TypeId, ByteSize.Format(actual));
            }

            entry.Ready.TrySetResult();
        }
        catch (Exception ex)
        {
            // A failed or cancelled load keeps nothing, so a later step tries again.
            lock (_lock)
            {
                if (_entries.TryGetValue(entry.Key, out var current) && current == entry)
                {
                    _entries.Remove(entry.Key);
                    _used -= entry.Bytes;
                }

                Signal();
            }

            if (instance is not null)
            {
                entry.Value = instance;
                await DisposeInstanceAsync(entry).ConfigureAwait(false);
            }

            if (ex is OperationCanceledException oce)
            {
                entry.Ready.TrySetCanceled(oce.CancellationToken);
            }
            else
            {
                entry.Ready.TrySetException(ex);
            }
        }
    }

    /// <inheritdoc />
    public long EstimateBytes(PipelineComponent component, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(component);
        ArgumentNullException.ThrowIfNull(services);
        lock (_lock)
        {
            if (_entries.TryGetValue(component.Identity, out var entry) && entry.IsLoaded)
            {
                return entry.Bytes;
            }
        }

        return EstimateOf(component, services);
    }

    private long EstimateOf(PipelineComponent component, IServiceProvider services)
    {
        lock (_lock)
        {
            if (_estimates.TryGetValue(component.Identity, out long known))
            {
                return known;
            }
        }

        long estimate = component.Descriptor.EstimateBytes is { } estimateBytes
            ? estimateBytes(ActivationContext(component, services))
            : SourceBytes(component.SourcePath);
        lock (_lock)
        {
            _estimates[component.Identity] = Math.Max(0, estimate);
        }

        return Math.Max(0, estimate);
    }

    private ComponentActivationContext ActivationContext(PipelineComponent component, IServiceProvider services) => new()
    {
        Name = component.Name,
        Options = component.Options,
        SourcePath = component.SourcePath,
        Services = services,
        Device = Device,
    };

    private static long SourceBytes(string? path)
    {
        if (path is null)
        {
            return 0;
        }

        if (File.Exists(path))
        {
            return new FileInfo(path).Length;
        }

        return Directory.Exists(path)
            ? new DirectoryInfo(path).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length)
            : 0;
    }

    // A loaded component held more than its estimate and the rest did not fit beside the leased ones.
    private sealed class EstimateTooLowException : Exception
    {
        public EstimateTooLowException()
            : base("The component holds more than its estimate; reserving again with its real size.")
        {
        }
    }
}
