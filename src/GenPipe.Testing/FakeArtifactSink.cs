using GenPipe.Abstractions.Operators;

namespace GenPipe.Testing;

/// <summary>
/// An <see cref="IArtifactSink"/> that keeps every file in memory, in write order. It refuses what the host's sink
/// refuses (a name with folders or <c>..</c>, the same name twice, a cancelled token), and keeps nothing of a write that
/// throws, so a test sees what a run would have left behind.
/// </summary>
public sealed class FakeArtifactSink : IArtifactSink
{
    /// <summary>The folder the returned paths point into; nothing is written there.</summary>
    public const string OutputFolder = "/fake-output";

    private readonly List<(string FileName, byte[] Content)> _files = [];
    private readonly HashSet<string> _names = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _lock = new();

    /// <summary>The files written so far, in order, with their bytes.</summary>
    public IReadOnlyList<(string FileName, byte[] Content)> Files
    {
        get
        {
            lock (_lock)
            {
                return [.. _files];
            }
        }
    }

    /// <summary>The bytes of the file named <paramref name="fileName"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such file was written.</exception>
    public byte[] this[string fileName]
    {
        get
        {
            lock (_lock)
            {
                foreach (var (name, content) in _files)
                {
                    if (name == fileName)
                    {
                        return content;
                    }
                }
            }

            throw new KeyNotFoundException($"No file '{fileName}' was written; written: {string.Join(", ", Files.Select(f => f.FileName))}.");
        }
    }

    /// <inheritdoc />
    public async ValueTask<string> WriteAsync(string fileName, Func<Stream, CancellationToken, ValueTask> write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        ArgumentNullException.ThrowIfNull(write);
        string? problem = PathRules.FileNameProblem(fileName) ?? (fileName.Trim() != fileName ? "it has leading or trailing spaces" : null);
        if (problem is not null)
        {
            throw new ArgumentException($"'{fileName}' is not a valid artifact file name: {problem}.", nameof(fileName));
        }

        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            // The host's sink refuses a second file of the same name in one run; a test should see that too.
            if (!_names.Add(fileName))
            {
                throw new InvalidOperationException($"The file '{fileName}' was already written in this run; give each file its own name.");
            }
        }

        try
        {
            using var stream = new MemoryStream();
            await write(stream, cancellationToken).ConfigureAwait(false);
            lock (_lock)
            {
                _files.Add((fileName, stream.ToArray()));
            }
        }
        catch
        {
            lock (_lock)
            {
                _names.Remove(fileName);
            }

            throw;
        }

        return OutputFolder + "/" + fileName;
    }
}
