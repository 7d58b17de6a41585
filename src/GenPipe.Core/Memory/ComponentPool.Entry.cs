namespace GenPipe.Core.Memory;

public sealed partial class ComponentPool
{
    // One thing the pool counts: a component (loading or loaded) or a kept value. Mutable fields change under the lock.
    private sealed class Entry
    {
        private Entry(string key, PipelineComponent? component, long bytes, long clock)
        {
            Key = key;
            Component = component;
            Bytes = bytes;
            Created = clock;
            LastUse = clock;
            Concurrent = component?.Descriptor.ConcurrentUse ?? true;
        }

        public string Key { get; }

        /// <summary>The component, or null for a kept value.</summary>
        public PipelineComponent? Component { get; }

        public bool IsComponent => Component is not null;

        public bool Concurrent { get; }

        public long Created { get; }

        /// <summary>Completes when the component has loaded (or failed to); kept values are born complete.</summary>
        public TaskCompletionSource Ready { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool IsLoaded => Ready.Task.IsCompletedSuccessfully;

        public object? Value { get; set; }

        public long Bytes { get; set; }

        public int Leases { get; set; }

        public long LastUse { get; set; }

        public static Entry Loading(PipelineComponent component, long estimate, long clock) => new(component.Identity, component, estimate, clock);

        public static Entry Kept(string key, object value, long bytes, long clock)
        {
            var entry = new Entry(key, null, bytes, clock) { Value = value };
            entry.Ready.SetResult();
            return entry;
        }
    }

    // The leases of one step.
    private sealed class Leases(ComponentPool pool, Entry[] entries) : IComponentLeases
    {
        private readonly Lock _lock = new();
        private readonly HashSet<Entry> _held = [.. entries];

        public IReadOnlyList<Entry> Entries => entries;

        public bool Holds(PipelineComponent component)
        {
            ArgumentNullException.ThrowIfNull(component);
            lock (_lock)
            {
                return Find(component) is not null;
            }
        }

        public object Get(PipelineComponent component)
        {
            ArgumentNullException.ThrowIfNull(component);
            lock (_lock)
            {
                return Find(component)?.Value
                    ?? throw new InvalidOperationException($"Component '{component.Name}' is not leased by this step (never acquired, or released).");
            }
        }

        public void Release(PipelineComponent component)
        {
            ArgumentNullException.ThrowIfNull(component);
            Entry? entry;
            lock (_lock)
            {
                entry = Find(component);
                if (entry is null)
                {
                    return;
                }

                _held.Remove(entry);
            }

            pool.Release(entry);
        }

        public ValueTask DisposeAsync()
        {
            Entry[] held;
            lock (_lock)
            {
                held = [.. _held];
                _held.Clear();
            }

            foreach (var entry in held)
            {
                pool.Release(entry);
            }

            return ValueTask.CompletedTask;
        }

        private Entry? Find(PipelineComponent component) =>
            _held.FirstOrDefault(e => string.Equals(e.Key, component.Identity, StringComparison.Ordinal));
    }
}
