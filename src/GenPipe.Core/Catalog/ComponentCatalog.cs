using GenPipe.Abstractions.Components;
using GenPipe.Abstractions.Operators;

namespace GenPipe.Core.Catalog;

/// <summary>A component type with the plugin that registered it.</summary>
public sealed record RegisteredComponent(ComponentDescriptor Descriptor, CatalogSource Source);

/// <summary>An operator with the plugin that registered it.</summary>
public sealed record RegisteredOperator(IPipelineOperator Operator, CatalogSource Source)
{
    /// <summary>The operator's name.</summary>
    public string Name => Operator.Signature.Name;
}

/// <summary>Everything the host can build pipelines from. Immutable; made by <see cref="ComponentCatalogBuilder"/>.</summary>
public sealed class ComponentCatalog
{
    private readonly Dictionary<string, RegisteredComponent> _componentsByIdOrAlias;
    private readonly Dictionary<string, RegisteredOperator> _operatorsByName;

    internal ComponentCatalog(
        IReadOnlyList<RegisteredComponent> components,
        IReadOnlyList<RegisteredOperator> operators,
        Dictionary<string, RegisteredComponent> componentsByIdOrAlias,
        Dictionary<string, RegisteredOperator> operatorsByName)
    {
        Components = components;
        Operators = operators;
        _componentsByIdOrAlias = componentsByIdOrAlias;
        _operatorsByName = operatorsByName;
    }

    /// <summary>An empty catalog.</summary>
    public static ComponentCatalog Empty { get; } = new ComponentCatalogBuilder().Build();

    /// <summary>Component types in registration order.</summary>
    public IReadOnlyList<RegisteredComponent> Components { get; }

    /// <summary>Operators in registration order.</summary>
    public IReadOnlyList<RegisteredOperator> Operators { get; }

    /// <summary>Every id and alias a pipeline may use as a component <c>type</c>.</summary>
    public IEnumerable<string> ComponentNames => _componentsByIdOrAlias.Keys;

    /// <summary>Every operator name.</summary>
    public IEnumerable<string> OperatorNames => _operatorsByName.Keys;

    /// <summary>Finds a component type by id or alias (case-sensitive, as ids are).</summary>
    public bool TryGetComponent(string idOrAlias, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out RegisteredComponent? component) =>
        _componentsByIdOrAlias.TryGetValue(idOrAlias, out component);

    /// <summary>Finds an operator by name.</summary>
    public bool TryGetOperator(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out RegisteredOperator? op) =>
        _operatorsByName.TryGetValue(name, out op);
}
