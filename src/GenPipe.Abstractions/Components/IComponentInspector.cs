namespace GenPipe.Abstractions.Components;

/// <summary>
/// Shows what a component of one contract will do, without running a pipeline: <c>genpipe inspect &lt;id&gt;</c> creates
/// the component with its options and prints what the inspector returns (a scheduler's timesteps and sigmas, ...). A
/// family registers one as a service (<c>plugin.Services.AddSingleton&lt;IComponentInspector, MyInspector&gt;()</c>),
/// so the command line needs to know nothing about the family.
/// </summary>
public interface IComponentInspector
{
    /// <summary>The contract of the components it inspects.</summary>
    Type ContractType { get; }

    /// <summary>The <c>name=value</c> arguments it takes, with their defaults.</summary>
    IReadOnlyList<InspectorArgument> Arguments { get; }

    /// <summary>
    /// Inspects <paramref name="component"/>, registered as <paramref name="id"/>. Throws <see cref="ArgumentException"/>
    /// with a message for the user when an argument is invalid.
    /// </summary>
    ComponentInspection Inspect(object component, string id, IReadOnlyDictionary<string, string> arguments);
}

/// <summary>An argument of an <see cref="IComponentInspector"/>.</summary>
/// <param name="Name">Its name, as in <c>steps=12</c>.</param>
/// <param name="Description">One line.</param>
/// <param name="Default">The value used when it is not given.</param>
public sealed record InspectorArgument(string Name, string Description, string Default);

/// <summary>What an inspector shows: a summary line and a table.</summary>
/// <param name="Summary">One line.</param>
/// <param name="Columns">The table's column names.</param>
/// <param name="Rows">Its rows, one cell per column.</param>
public sealed record ComponentInspection(string Summary, IReadOnlyList<string> Columns, IReadOnlyList<IReadOnlyList<string>> Rows);
