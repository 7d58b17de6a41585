using GenPipe.Abstractions.Components;

namespace GenPipe.Core.Execution;

/// <summary>
/// Loaded components, one instance per identity (type id + resolved source + canonical options), shared by every run
/// and pipeline of one engine and disposed with it.
/// </summary>
internal sealed class ComponentCache : IAsyncDisposable
{
    private readonly Dictionary<string, object> _instances = new(StringComparer.Ordinal);
    private readonly List<object> _creationOrder = [];
    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _disposed;

    /// <summary>How many instances have been created.</summary>
    public int Count => _creationOrder.Count;

    /// <summary>The instance for <paramref name="component"/>, created on first use.</summary>
    public async ValueTask<object> GetAsync(PipelineComponent component, IServiceProvider services, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_instances.TryGetValue(component.Identity, out var existing))
            {
                return existing;
            }

            var context = new ComponentActivationContext
            {
                Name = component.Name,
                Options = component.Options,
                SourcePath = component.SourcePath,
                Services = services,
            };

            // A failed or cancelled activation caches nothing, so a later run tries again.
            object instance = await component.Descriptor.Factory(context, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"The factory of component type '{component.TypeId}' returned null.");
            if (!component.Descriptor.ContractType.IsInstanceOfType(instance))
            {
                throw new InvalidOperationException(
                    $"Component type '{component.TypeId}' created a {instance.GetType().Name}, which does not implement its contract {component.Descriptor.ContractType.Name}.");
            }

            _instances[component.Identity] = instance;
            _creationOrder.Add(instance);
            return instance;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Disposes every instance, newest first.</summary>
    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            for (int i = _creationOrder.Count - 1; i >= 0; i--)
            {
                switch (_creationOrder[i])
                {
                    case IAsyncDisposable asyncDisposable:
                        await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                        break;
                    case IDisposable disposable:
                        disposable.Dispose();
                        break;
                }
            }

            _instances.Clear();
            _creationOrder.Clear();
        }
        finally
        {
            _gate.Release();
        }
    }
}
