using GenPipe.Abstractions.Operators;

namespace GenPipe.Core;

/// <summary>A compiled pipeline step: its operator resolved, its components bound and its inputs type-checked.</summary>
public sealed class PipelineStep
{
    internal PipelineStep(
        string id,
        int documentIndex,
        IPipelineOperator pipelineOperator,
        IReadOnlyDictionary<string, PipelineComponent> components,
        IReadOnlyDictionary<string, StepInput> inputs)
    {
        Id = id;
        DocumentIndex = documentIndex;
        Operator = pipelineOperator;
        Components = components;
        Inputs = inputs;
        DependsOn = inputs.Values
            .Where(i => i.Kind == StepInputKind.StepOutput)
            .Select(i => i.Reference!)
            .Distinct(StringComparer.Ordinal)
            .ToArray();
    }

    /// <summary>The step's id.</summary>
    public string Id { get; }

    /// <summary>The step's position in the <c>steps</c> array of the document (0-based).</summary>
    public int DocumentIndex { get; }

    /// <summary>The operator's name (the step's <c>op</c>).</summary>
    public string OperatorName => Operator.Signature.Name;

    /// <summary>The operator that runs the step.</summary>
    public IPipelineOperator Operator { get; }

    /// <summary>The components bound to the operator's slots, by slot name.</summary>
    public IReadOnlyDictionary<string, PipelineComponent> Components { get; }

    /// <summary>The inputs given in the step's <c>in</c> object, by port name (defaults are not listed).</summary>
    public IReadOnlyDictionary<string, StepInput> Inputs { get; }

    /// <summary>The ids of the steps whose outputs this step consumes.</summary>
    public IReadOnlyList<string> DependsOn { get; }
}
