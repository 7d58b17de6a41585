using GenPipe.Abstractions.Operators;

namespace GenPipe.Core.Execution;

/// <summary>
/// Stages a run's files in a hidden folder beside the output folder (same volume, so the final move is a rename) and
/// moves them into the output folder only when the whole run succeeds. The output folder is created only then.
/// </summary>
/// <remarks>
/// The folder's name carries the process id (<c>.genpipe-staging-&lt;pid&gt;-&lt;id&gt;</c>), so a later run can tell the
/// folders of processes that died without cleaning up (killed mid-write) from those of runs still going, and deletes
/// the former before it starts (<see cref="StagingFolders.CleanStale"/>). Every live sink is registered with
/// <see cref="StagingFolders"/>, so a process that must stop at once can discard them all first.
/// </remarks>
internal sealed class StagingArtifactSink : IArtifactSink
{
    private readonly string _outputDirectory;
    private readonly string _stagingDirectory;
    private readonly List<string> _fileNames = [];
    private readonly Lock _lock = new();
    private bool _closed;

    public StagingArtifactSink(string outputDirectory)
    {
        _outputDirectory = Path.GetFullPath(outputDirectory);
        string parent = Path.GetDirectoryName(_outputDirectory.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar)) ?? _outputDirectory;
        StagingFolders.CleanStale(parent);
        _stagingDirectory = Path.Combine(parent, StagingFolders.NewName());
        StagingFolders.Register(this);
    }

    /// <summary>The hidden folder files are written to until the run completes.</summary>
    public string StagingDirectory => _stagingDirectory;

    public async ValueTask<string> WriteAsync(string fileName, Func<Stream, CancellationToken, ValueTask> write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        ArgumentNullException.ThrowIfNull(write);
        ValidateFileName(fileName);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            if (_fileNames.Contains(fileName, StringComparer.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"The file '{fileName}' was already written in this run; give each file its own name.");
            }

            _fileNames.Add(fileName);
        }

        Directory.CreateDirectory(_stagingDirectory);
        string stagedPath = Path.Combine(_stagingDirectory, fileName);
        try
        {
            var stream = new FileStream(stagedPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true);
            await using (stream.ConfigureAwait(false))
            {
                await write(stream, cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            DeleteQuietly(stagedPath);
            lock (_lock)
            {
                _fileNames.Remove(fileName);
            }

            throw;
        }

        return Path.Combine(_outputDirectory, fileName);
    }

    /// <summary>Moves the staged files into the output folder and returns their final paths.</summary>
    public IReadOnlyList<string> Commit()
    {
        var final = new List<string>();
        if (_fileNames.Count == 0)
        {
            Discard();
            return final;
        }

        Directory.CreateDirectory(_outputDirectory);
        foreach (string name in _fileNames)
        {
            string target = Path.Combine(_outputDirectory, name);
            File.Move(Path.Combine(_stagingDirectory, name), target, overwrite: true);
            final.Add(target);
        }

        Discard();
        return final;
    }

    /// <summary>Deletes everything staged; later writes are refused.</summary>
    public void Discard()
    {
        lock (_lock)
        {
            _closed = true;
        }

        StagingFolders.Unregister(this);
        StagingFolders.DeleteFolder(_stagingDirectory);
    }

    private static void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // The folder goes as a whole in Discard; a file that cannot go now goes with it.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static void ValidateFileName(string fileName)
    {
        if (fileName.Length == 0 || fileName is "." or ".." || fileName.Contains("..", StringComparison.Ordinal) ||
            fileName.IndexOfAny(['/', '\\', ':']) >= 0 || fileName.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 ||
            fileName.Trim() != fileName)
        {
            throw new ArgumentException(
                $"'{fileName}' is not a valid artifact file name: give a plain file name without folders, '..', or leading/trailing spaces.",
                nameof(fileName));
        }
    }
}
