namespace GenPipe.Core;

/// <summary>A pipeline was rejected before anything ran. <see cref="Diagnostics"/> lists every error found.</summary>
public sealed class PipelineValidationException : Exception
{
    /// <summary>Creates the exception from the errors found (at least one) in the pipeline <paramref name="sourceName"/>.</summary>
    public PipelineValidationException(IReadOnlyList<PipelineDiagnostic> diagnostics, string? sourceName = null)
        : base(FormatMessage(diagnostics, sourceName))
    {
        Diagnostics = diagnostics;
    }

    /// <summary>Creates the exception with a message only (no diagnostics).</summary>
    public PipelineValidationException()
        : this([])
    {
    }

    /// <summary>Creates the exception with a message only (no diagnostics).</summary>
    public PipelineValidationException(string message)
        : base(message)
    {
        Diagnostics = [];
    }

    /// <summary>Creates the exception with a message and inner exception (no diagnostics).</summary>
    public PipelineValidationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Diagnostics = [];
    }

    /// <summary>The errors, in document order.</summary>
    public IReadOnlyList<PipelineDiagnostic> Diagnostics { get; }

    private static string FormatMessage(IReadOnlyList<PipelineDiagnostic> diagnostics, string? sourceName)
    {
        ArgumentNullException.ThrowIfNull(diagnostics);
        if (diagnostics.Count == 0)
        {
            return "The pipeline is invalid.";
        }

        string file = sourceName ?? diagnostics[0].File;
        string count = diagnostics.Count == 1 ? "1 error" : $"{diagnostics.Count} errors";
        return $"The pipeline '{file}' has {count}:{Environment.NewLine}" +
            string.Join(Environment.NewLine, diagnostics.Select(d => "  " + d));
    }
}
