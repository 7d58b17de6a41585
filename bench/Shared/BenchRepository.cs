namespace GenPipe.Bench;

/// <summary>Where the repository is, for benches that read its pipelines and rewrite its docs.</summary>
internal static class BenchRepository
{
    /// <summary>The folder holding GenPipe.sln, found upwards from the current folder, then from the executable.</summary>
    public static string Root()
    {
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "GenPipe.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        return Directory.GetCurrentDirectory();
    }
}
