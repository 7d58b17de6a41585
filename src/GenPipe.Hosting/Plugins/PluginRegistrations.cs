using GenPipe.Abstractions.Components;
using GenPipe.Abstractions.Operators;
using GenPipe.Abstractions.Plugins;
using GenPipe.Core.Catalog;
using Microsoft.Extensions.DependencyInjection;

namespace GenPipe.Hosting.Plugins;

/// <summary>
/// What one plugin registered, recorded rather than applied, so that every registration keeps its source and a plugin
/// that throws halfway leaves nothing behind.
/// </summary>
public sealed class PluginRegistrations : IGenPipePluginBuilder
{
    private readonly List<ComponentDescriptor> _components = [];
    private readonly List<IPipelineOperator> _operators = [];

    /// <summary>Creates an empty record for <paramref name="source"/>, whose services go to <paramref name="services"/>.</summary>
    public PluginRegistrations(CatalogSource source, IServiceCollection? services = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        Source = source;
        Services = services ?? new ServiceCollection();
    }

    /// <summary>The plugin that made these registrations.</summary>
    public CatalogSource Source { get; }

    /// <inheritdoc />
    public IServiceCollection Services { get; }

    /// <summary>The plugin assembly's version, when known.</summary>
    public Version? Version { get; init; }

    /// <summary>The component types, in registration order.</summary>
    public IReadOnlyList<ComponentDescriptor> Components => _components;

    /// <summary>The operators, in registration order.</summary>
    public IReadOnlyList<IPipelineOperator> Operators => _operators;

    /// <inheritdoc />
    public IGenPipePluginBuilder AddComponent(ComponentDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        _components.Add(descriptor);
        return this;
    }

    /// <inheritdoc />
    public IGenPipePluginBuilder AddOperator(IPipelineOperator pipelineOperator)
    {
        ArgumentNullException.ThrowIfNull(pipelineOperator);
        _operators.Add(pipelineOperator);
        return this;
    }

    /// <summary>
    /// Adds every registration to <paramref name="catalog"/> and returns the ids and names it accepted; each rejected
    /// duplicate is added to <paramref name="conflicts"/> (the first registration stays).
    /// </summary>
    public (IReadOnlyList<string> ComponentIds, IReadOnlyList<string> OperatorNames) MergeInto(
        ComponentCatalogBuilder catalog, ICollection<CatalogConflict> conflicts)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(conflicts);
        var componentIds = new List<string>();
        foreach (var descriptor in _components)
        {
            if (catalog.AddComponent(descriptor, Source) is { } conflict)
            {
                conflicts.Add(conflict);
            }
            else
            {
                componentIds.Add(descriptor.Id);
            }
        }

        var operatorNames = new List<string>();
        foreach (var op in _operators)
        {
            if (catalog.AddOperator(op, Source) is { } conflict)
            {
                conflicts.Add(conflict);
            }
            else
            {
                operatorNames.Add(op.Signature.Name);
            }
        }

        return (componentIds, operatorNames);
    }
}
