namespace GenPipe.Core.Tests.Fakes;

/// <summary>A fresh temporary folder, deleted on dispose; <see cref="Output"/> is an output folder inside it (not created).</summary>
public sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Directory.CreateDirectory(Root);
    }

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "genpipe-test-" + Guid.NewGuid().ToString("N"));

    public string Output => Path.Combine(Root, "out");

    /// <summary>Every file and folder under <see cref="Root"/>, relative to it.</summary>
    public string[] Entries() =>
        Directory.EnumerateFileSystemEntries(Root, "*", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(Root, p).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToArray();

    public void Dispose()
    {
        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }
    }
}
