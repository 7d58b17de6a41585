namespace GenPipe.Core;

/// <summary>Settings of a <see cref="PipelineEngine"/>.</summary>
public sealed class PipelineEngineOptions
{
    /// <summary>Folders searched, after the pipeline file's own folder, for component <c>source</c> paths.</summary>
    public IReadOnlyList<string> ModelRoots { get; init; } = [];

    /// <summary>
    /// Why plugins the host was asked to load were skipped (a missing folder, a broken assembly), one line each. The
    /// engine shows them as <see cref="PipelineEngine.PluginProblems"/> and beside "unknown component type" and
    /// "unknown operator" errors, which a missing plugin causes.
    /// </summary>
    public IReadOnlyList<string> PluginProblems { get; init; } = [];

    /// <summary>
    /// The memory a run may use, in bytes. A step whose operator can compute its memory need before the run
    /// (<c>IStepPreflight</c>) and needs more is refused at compile time. Null: the machine's available memory.
    /// </summary>
    public long? MemoryBudgetBytes { get; init; }
}
