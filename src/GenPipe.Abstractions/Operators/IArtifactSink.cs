namespace GenPipe.Abstractions.Operators;

/// <summary>
/// Collects the files a run produces. Files are staged and moved into the output folder only when the whole run
/// succeeds, so a failed or cancelled run leaves nothing half-written.
/// </summary>
public interface IArtifactSink
{
    /// <summary>
    /// Writes a file named <paramref name="fileName"/> (relative to the output folder, no directories) with
    /// <paramref name="write"/> and returns the path it will have once the run completes.
    /// </summary>
    ValueTask<string> WriteAsync(string fileName, Func<Stream, CancellationToken, ValueTask> write, CancellationToken cancellationToken);
}
