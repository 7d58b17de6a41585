namespace GenPipe.Core;

/// <summary>A step failed while the pipeline ran. The inner exception is the operator's or component's own.</summary>
public sealed class PipelineExecutionException : Exception
{
    /// <summary>Creates the exception for step <paramref name="stepId"/>.</summary>
    public PipelineExecutionException(string stepId, string message, Exception innerException)
        : base(message, innerException)
    {
        StepId = stepId;
    }

    /// <summary>Creates the exception with a message only.</summary>
    public PipelineExecutionException()
        : this("", "A pipeline step failed.", new InvalidOperationException())
    {
    }

    /// <summary>Creates the exception with a message only.</summary>
    public PipelineExecutionException(string message)
        : base(message)
    {
        StepId = "";
    }

    /// <summary>Creates the exception with a message and inner exception.</summary>
    public PipelineExecutionException(string message, Exception innerException)
        : base(message, innerException)
    {
        StepId = "";
    }

    /// <summary>The id of the step that failed.</summary>
    public string StepId { get; }
}
