using GenPipe.Abstractions.Components;
using GenPipe.Abstractions.Operators;
using GenPipe.Abstractions.Plugins;
using GenPipe.Core.Catalog;
using Microsoft.Extensions.DependencyInjection;

namespace GenPipe.Bench.SchedulerQuality;

/// <summary>
/// Runs a plugin's <c>Configure</c> into a catalog and remembers which components it registered, so the bench learns
/// the schedulers from the plugin itself rather than from a list of its own.
/// </summary>
internal sealed class RegistrationCollector(ComponentCatalogBuilder catalog, CatalogSource source) : IGenPipePluginBuilder
{
    private readonly List<ComponentDescriptor> _components = [];

    public IServiceCollection Services { get; } = new ServiceCollection();

    /// <summary>The components registered through this collector, in registration order.</summary>
    public IReadOnlyList<ComponentDescriptor> Components => _components;

    public IGenPipePluginBuilder AddComponent(ComponentDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        var conflict = catalog.AddComponent(descriptor, source);
        if (conflict is not null)
        {
            throw new InvalidOperationException(conflict.Message);
        }

        _components.Add(descriptor);
        return this;
    }

    public IGenPipePluginBuilder AddOperator(IPipelineOperator pipelineOperator)
    {
        ArgumentNullException.ThrowIfNull(pipelineOperator);
        var conflict = catalog.AddOperator(pipelineOperator, source);
        if (conflict is not null)
        {
            throw new InvalidOperationException(conflict.Message);
        }

        return this;
    }

    /// <summary>Registers <paramref name="plugin"/>'s components and operators and returns what it registered.</summary>
    public static IReadOnlyList<ComponentDescriptor> Register(IGenPipePlugin plugin, ComponentCatalogBuilder catalog)
    {
        ArgumentNullException.ThrowIfNull(plugin);
        var collector = new RegistrationCollector(catalog, new CatalogSource(plugin.GetType().Assembly.GetName().Name ?? plugin.GetType().Name));
        plugin.Configure(collector);
        return collector.Components;
    }
}
