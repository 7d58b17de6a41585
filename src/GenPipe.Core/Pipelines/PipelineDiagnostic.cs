namespace GenPipe.Core;

/// <summary>A problem found in a pipeline before it runs, with where it is and how to fix it.</summary>
/// <param name="Severity">Error or warning.</param>
/// <param name="File">
/// The pipeline file (or source name) the problem is in, or <c>--set path=value</c> when it comes from an override.
/// </param>
/// <param name="JsonPath">Where in the document, e.g. <c>$.steps[1].in.guidance</c>.</param>
/// <param name="Line">The 1-based line of the offending token, or 0 when there is no position (overrides, missing files).</param>
/// <param name="Column">The 1-based column (in characters) of the offending token, or 0.</param>
/// <param name="Message">What is wrong and how to fix it.</param>
/// <param name="Suggestion">The name the author probably meant ("did you mean"), or null.</param>
public sealed record PipelineDiagnostic(
    PipelineDiagnosticSeverity Severity,
    string File,
    string JsonPath,
    int Line,
    int Column,
    string Message,
    string? Suggestion = null)
{
    /// <summary>True for errors.</summary>
    public bool IsError => Severity == PipelineDiagnosticSeverity.Error;

    /// <summary>
    /// The compiler-style form, e.g.
    /// <c>pipelines/x.json(12,18): error at $.steps[0].op: unknown operator 'difuse'. Did you mean 'diffuse'?</c>
    /// </summary>
    public override string ToString()
    {
        string where = Line > 0 ? $"{File}({Line},{Column})" : File;
        string severity = Severity == PipelineDiagnosticSeverity.Error ? "error" : "warning";
        string hint = Suggestion is null ? "" : $". Did you mean '{Suggestion}'?";
        return $"{where}: {severity} at {JsonPath}: {Message}{hint}";
    }
}
