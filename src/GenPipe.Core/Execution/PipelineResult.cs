namespace GenPipe.Core;

/// <summary>What a successful run produced. (The constructor is public so hosts can fake results in tests.)</summary>
public sealed class PipelineResult
{
    /// <summary>Creates a result.</summary>
    public PipelineResult(IReadOnlyDictionary<string, object> outputs, IReadOnlyList<string> files, TimeSpan elapsed)
    {
        Outputs = outputs;
        Files = files;
        Elapsed = elapsed;
    }

    /// <summary>The pipeline's declared outputs, by output name.</summary>
    public IReadOnlyDictionary<string, object> Outputs { get; }

    /// <summary>The full paths of the files written, in the order they were written.</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>How long the run took.</summary>
    public TimeSpan Elapsed { get; }
}
