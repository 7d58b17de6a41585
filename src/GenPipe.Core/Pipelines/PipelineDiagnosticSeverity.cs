namespace GenPipe.Core;

/// <summary>How serious a pipeline diagnostic is.</summary>
public enum PipelineDiagnosticSeverity
{
    /// <summary>The pipeline cannot run until it is fixed.</summary>
    Error,

    /// <summary>The pipeline runs, but something is probably not what the author meant.</summary>
    Warning,
}
