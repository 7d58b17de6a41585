using System.Diagnostics;
using System.Globalization;

namespace GenPipe.Core.Execution;

/// <summary>
/// The hidden folders runs stage their files in (<c>.genpipe-staging-&lt;pid&gt;-&lt;id&gt;</c>, beside the output
/// folder): the ones this process has open, and the stale ones that processes which died mid-run left behind.
/// </summary>
public static class StagingFolders
{
    /// <summary>The name every staging folder starts with.</summary>
    public const string Prefix = ".genpipe-staging-";

    /// <summary>How old a staging folder without a process id in its name must be to count as abandoned.</summary>
    private static readonly TimeSpan LegacyAge = TimeSpan.FromDays(1);

    private static readonly HashSet<StagingArtifactSink> Live = [];
    private static readonly Lock LiveLock = new();

    /// <summary>
    /// Deletes the staging folders of every run in this process that has not finished. For a process that must stop at
    /// once (a second Ctrl+C): nothing half-written stays behind, and runs that try to write afterwards are refused.
    /// </summary>
    public static void DiscardAll()
    {
        StagingArtifactSink[] live;
        lock (LiveLock)
        {
            live = [.. Live];
        }

        foreach (var sink in live)
        {
            sink.Discard();
        }
    }

    /// <summary>
    /// Deletes the staging folders in <paramref name="parent"/> whose process is no longer running (it was killed or
    /// crashed mid-run). Folders of running processes, and anything not named like a staging folder, are left alone.
    /// </summary>
    /// <returns>The folders deleted.</returns>
    public static IReadOnlyList<string> CleanStale(string parent)
    {
        var deleted = new List<string>();
        if (!Directory.Exists(parent))
        {
            return deleted;
        }

        IEnumerable<string> candidates;
        try
        {
            candidates = Directory.EnumerateDirectories(parent, Prefix + "*");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return deleted;
        }

        foreach (string folder in candidates)
        {
            bool stale = OwnerProcessId(Path.GetFileName(folder)) is int pid
                ? !IsRunning(pid)
                : Directory.GetLastWriteTimeUtc(folder) < DateTime.UtcNow - LegacyAge; // named before the pid was in it
            if (stale)
            {
                DeleteFolder(folder);
                deleted.Add(folder);
            }
        }

        return deleted;
    }

    internal static string NewName() =>
        $"{Prefix}{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}-{Guid.NewGuid():N}";

    internal static void Register(StagingArtifactSink sink)
    {
        lock (LiveLock)
        {
            Live.Add(sink);
        }
    }

    internal static void Unregister(StagingArtifactSink sink)
    {
        lock (LiveLock)
        {
            Live.Remove(sink);
        }
    }

    /// <summary>Deletes a folder and what is in it, retrying while a writer that is being stopped still adds files.</summary>
    internal static void DeleteFolder(string folder)
    {
        for (int attempt = 0; attempt < 5 && Directory.Exists(folder); attempt++)
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (DirectoryNotFoundException)
            {
                return;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Thread.Sleep(20);
            }
        }
    }

    /// <summary>The process id in a staging folder's name, or null for names of another form (older GenPipe versions).</summary>
    internal static int? OwnerProcessId(string name)
    {
        if (!name.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        string rest = name[Prefix.Length..];
        int dash = rest.IndexOf('-', StringComparison.Ordinal);
        return dash > 0 && int.TryParse(rest.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out int pid) ? pid : null;
    }

    private static bool IsRunning(int pid)
    {
        if (pid == Environment.ProcessId)
        {
            return true;
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false; // no such process
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
