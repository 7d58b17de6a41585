namespace GenPipe.Cli.Tests;

/// <summary>The repository these tests run inside (the folder holding GenPipe.sln), for tests that read its docs.</summary>
internal static class Repository
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "GenPipe.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"No GenPipe.sln above {AppContext.BaseDirectory}: these tests run inside the repository.");
    }
}
