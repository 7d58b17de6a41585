namespace GenPipe.Core;

/// <summary>
/// A pipeline that passed validation: every name resolved, every input type-checked, steps in execution order.
/// Made by <see cref="PipelineEngine.Load"/> or <see cref="PipelineEngine.LoadFile"/>; run with
/// <see cref="PipelineEngine.RunAsync"/>.
/// </summary>
public sealed class CompiledPipeline
{
    internal CompiledPipeline(
        string name,
        string description,
        string sourceFile,
        IReadOnlyList<PipelineParameter> parameters,
        IReadOnlyList<PipelineComponent> components,
        IReadOnlyList<PipelineStep> steps,
        IReadOnlyDictionary<string, string> outputs,
        IReadOnlyList<PipelineDiagnostic> warnings)
    {
        Name = name;
        Description = description;
        SourceFile = sourceFile;
        Parameters = parameters;
        Components = components;
        Steps = steps;
        Outputs = outputs;
        Warnings = warnings;
    }

    /// <summary>The pipeline's <c>name</c> (the file name without extension when the JSON gives none).</summary>
    public string Name { get; }

    /// <summary>The pipeline's <c>description</c>, or empty.</summary>
    public string Description { get; }

    /// <summary>The file (or source name) it was loaded from.</summary>
    public string SourceFile { get; }

    /// <summary>The parameters with their resolved values, in document order.</summary>
    public IReadOnlyList<PipelineParameter> Parameters { get; }

    /// <summary>The components, in document order (components named inline in a step's <c>with</c> come last).</summary>
    public IReadOnlyList<PipelineComponent> Components { get; }

    /// <summary>The steps in execution order (dependencies first; otherwise document order).</summary>
    public IReadOnlyList<PipelineStep> Steps { get; }

    /// <summary>The pipeline's outputs: output name to the id of the step that produces it.</summary>
    public IReadOnlyDictionary<string, string> Outputs { get; }

    /// <summary>Warnings found while compiling (e.g. option keys a component ignores).</summary>
    public IReadOnlyList<PipelineDiagnostic> Warnings { get; }
}
