namespace GenPipe.Core;

/// <summary>Where a step input's value comes from.</summary>
public enum StepInputKind
{
    /// <summary>A JSON literal in the pipeline.</summary>
    Literal,

    /// <summary>A pipeline parameter (<c>"$name"</c>).</summary>
    Parameter,

    /// <summary>Another step's output (<c>"@id"</c>).</summary>
    StepOutput,
}
