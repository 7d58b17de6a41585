using GenPipe.Abstractions.Components;
using GenPipe.Abstractions.Operators;

namespace GenPipe.Core.Catalog;

/// <summary>Two registrations of one id. The first one stays; the second is rejected.</summary>
/// <param name="Id">The contested id, alias or operator name.</param>
/// <param name="Kind">"component" or "operator".</param>
/// <param name="Existing">Who registered it first.</param>
/// <param name="Rejected">Who tried to register it again.</param>
public sealed record CatalogConflict(string Id, string Kind, CatalogSource Existing, CatalogSource Rejected)
{
    /// <summary>A message that names both sources.</summary>
    public string Message =>
        $"Duplicate {Kind} id '{Id}': registered by {Existing} and again by {Rejected}. The second registration was rejected; " +
        "remove one of the plugins or give one of the ids another name.";
}

/// <summary>Collects registrations, rejecting duplicate ids with both sources named.</summary>
public sealed class ComponentCatalogBuilder
{
    private readonly List<RegisteredComponent> _components = [];
    private readonly List<RegisteredOperator> _operators = [];
    private readonly Dictionary<string, RegisteredComponent> _componentsByIdOrAlias = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RegisteredOperator> _operatorsByName = new(StringComparer.Ordinal);

    /// <summary>
    /// Adds a component type. Returns the conflict, and adds nothing, when its id or one of its aliases is taken.
    /// </summary>
    public CatalogConflict? AddComponent(ComponentDescriptor descriptor, CatalogSource source)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentNullException.ThrowIfNull(source);
        foreach (string name in descriptor.Aliases.Prepend(descriptor.Id))
        {
            if (_componentsByIdOrAlias.TryGetValue(name, out var existing))
            {
                return new CatalogConflict(name, "component", existing.Source, source);
            }
        }

        var registered = new RegisteredComponent(descriptor, source);
        _components.Add(registered);
        foreach (string name in descriptor.Aliases.Prepend(descriptor.Id))
        {
            _componentsByIdOrAlias[name] = registered;
        }

        return null;
    }

    /// <summary>Adds an operator. Returns the conflict, and adds nothing, when its name is taken.</summary>
    public CatalogConflict? AddOperator(IPipelineOperator pipelineOperator, CatalogSource source)
    {
        ArgumentNullException.ThrowIfNull(pipelineOperator);
        ArgumentNullException.ThrowIfNull(source);
        string name = pipelineOperator.Signature.Name;
        if (_operatorsByName.TryGetValue(name, out var existing))
        {
            return new CatalogConflict(name, "operator", existing.Source, source);
        }

        var registered = new RegisteredOperator(pipelineOperator, source);
        _operators.Add(registered);
        _operatorsByName[name] = registered;
        return null;
    }

    /// <summary>The catalog as registered so far.</summary>
    public ComponentCatalog Build() => new(
        _components.ToArray(),
        _operators.ToArray(),
        new Dictionary<string, RegisteredComponent>(_componentsByIdOrAlias, StringComparer.Ordinal),
        new Dictionary<string, RegisteredOperator>(_operatorsByName, StringComparer.Ordinal));
}
