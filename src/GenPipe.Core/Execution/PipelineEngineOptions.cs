namespace GenPipe.Core;

/// <summary>Settings of a <see cref="PipelineEngine"/>.</summary>
public sealed class PipelineEngineOptions
{
    /// <summary>Folders searched, after the pipeline file's own folder, for component <c>source</c> paths.</summary>
    public IReadOnlyList<string> ModelRoots { get; init; } = [];
}
