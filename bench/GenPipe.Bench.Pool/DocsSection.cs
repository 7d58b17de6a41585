namespace GenPipe.Bench.Pool;

/// <summary>
/// Replaces the pool-bench section of a markdown page, keeping the hand-written text around it; a page without the
/// markers gets a heading, a pointer to the bench and the section at its end (a missing page is created).
/// </summary>
internal static class DocsSection
{
    public const string Heading = "## Component pool: overhead, leases, loads and memory";

    public static void Write(string path, string section)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(section);
        string page = File.Exists(path) ? File.ReadAllText(path) : "";
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, Replace(page, section));
    }

    public static string Replace(string page, string section)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(section);
        int begin = page.IndexOf(ReportMarkdown.BeginMarker, StringComparison.Ordinal);
        int end = page.IndexOf(ReportMarkdown.EndMarker, StringComparison.Ordinal);
        if (begin < 0 || end < begin)
        {
            string intro = $"{Heading}\n\nMeasured by `bench/GenPipe.Bench.Pool` ([bench/README.md](../bench/README.md)), one run, all four side by side.\n\n";
            return (page.Length == 0 ? "" : page.TrimEnd() + "\n\n") + intro + section;
        }

        int after = end + ReportMarkdown.EndMarker.Length;
        if (after < page.Length && page[after] == '\n')
        {
            after++;
        }

        return page[..begin] + section + page[after..];
    }
}
