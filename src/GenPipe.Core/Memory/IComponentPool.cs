namespace GenPipe.Core.Memory;

/// <summary>
/// The memory every pipeline of an engine shares: loaded components, leased by the steps that use them, and values
/// kept between runs (step outputs), all counted against one budget. Registered in DI by <c>AddGenPipe</c>, so an app
/// can put its own in place; <see cref="ComponentPool"/> is the default.
/// </summary>
public interface IComponentPool : IAsyncDisposable
{
    /// <summary>The most bytes the pool lets loaded components and kept values hold together.</summary>
    long BudgetBytes { get; }

    /// <summary>What the pool holds now, and its counters.</summary>
    ComponentPoolUsage Usage { get; }

    /// <summary>
    /// Leases every component in <paramref name="components"/>, all or none: loads those not loaded (each once, however
    /// many steps ask), evicting components nobody leases when the budget requires, and waits while a component that
    /// does not allow <see cref="Abstractions.Components.ComponentDescriptor.ConcurrentUse"/> is leased elsewhere or the
    /// memory is leased by other steps. Taking all at once means a waiting step holds nothing, so steps waiting on each
    /// other cannot deadlock.
    /// </summary>
    /// <exception cref="ComponentBudgetException">The components do not fit in the budget even with nothing else loaded.</exception>
    /// <exception cref="OperationCanceledException">Cancelled while waiting or loading; nothing stays leased.</exception>
    ValueTask<IComponentLeases> AcquireAsync(IReadOnlyCollection<PipelineComponent> components, IServiceProvider services, CancellationToken cancellationToken);

    /// <summary>
    /// What <paramref name="component"/> counts against the budget: what it holds if it is loaded, else what it held
    /// when it was last loaded, else its descriptor's <see cref="Abstractions.Components.ComponentDescriptor.EstimateBytes"/>
    /// or the size of its source on disk. The pipeline compiler uses it to refuse, before a run, a step whose components
    /// cannot fit in the budget together.
    /// </summary>
    long EstimateBytes(PipelineComponent component, IServiceProvider services);

    /// <summary>
    /// Keeps <paramref name="value"/> under <paramref name="key"/> (replacing what was there) while the budget allows:
    /// it is evicted like a component nobody leases (least recently used first), and not kept at all when it cannot fit.
    /// </summary>
    void Keep(string key, object value, long bytes);

    /// <summary>The value kept under <paramref name="key"/>, unless it was evicted.</summary>
    bool TryGetKept(string key, out object value);
}

/// <summary>The leases one step holds, from <see cref="IComponentPool.AcquireAsync"/>. Disposing releases what is still held.</summary>
public interface IComponentLeases : IAsyncDisposable
{
    /// <summary>True while <paramref name="component"/> is leased here.</summary>
    bool Holds(PipelineComponent component);

    /// <summary>The loaded instance of <paramref name="component"/>; throws when it is not (or no longer) leased here.</summary>
    object Get(PipelineComponent component);

    /// <summary>Releases <paramref name="component"/> early; nothing happens when it is not held.</summary>
    void Release(PipelineComponent component);
}

/// <summary>A snapshot of a pool.</summary>
/// <param name="BudgetBytes">The budget.</param>
/// <param name="UsedBytes">Loaded (or loading) components and kept values, together.</param>
/// <param name="LeasedBytes">Of those, components leased now.</param>
/// <param name="PeakBytes">The most <paramref name="UsedBytes"/> has been.</param>
/// <param name="Components">Components loaded or loading.</param>
/// <param name="KeptValues">Values kept.</param>
/// <param name="Loads">Components loaded since the pool was made.</param>
/// <param name="Evictions">Components evicted since the pool was made.</param>
/// <param name="KeptBytes">Of <paramref name="UsedBytes"/>, what the kept values hold (the rest is components).</param>
public readonly record struct ComponentPoolUsage(
    long BudgetBytes, long UsedBytes, long LeasedBytes, long PeakBytes, int Components, int KeptValues, long Loads, long Evictions, long KeptBytes);
