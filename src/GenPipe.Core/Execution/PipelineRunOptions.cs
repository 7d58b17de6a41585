namespace GenPipe.Core;

/// <summary>Settings of one pipeline run.</summary>
public sealed class PipelineRunOptions
{
    /// <summary>Where files go; null means <c>out</c> under the current directory. Created only when a run succeeds.</summary>
    public string? OutputDirectory { get; init; }
}
