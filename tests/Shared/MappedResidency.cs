using System.Globalization;

namespace GenPipe.Testing;

/// <summary>How much of a memory-mapped file is resident in this process, from /proc/self/smaps (Linux).</summary>
public static class MappedResidency
{
    /// <summary>The Rss of every mapping of <paramref name="path"/>, in KiB: only this file's pages, whatever else the
    /// process (other tests) holds.</summary>
    public static long ResidentKiB(string path)
    {
        long total = 0;
        bool inFile = false;
        foreach (string line in File.ReadLines("/proc/self/smaps"))
        {
            if (line.Length > 0 && char.IsAsciiHexDigit(line[0]) && line.Contains('-'))
            {
                inFile = line.EndsWith(path, StringComparison.Ordinal);
            }
            else if (inFile && line.StartsWith("Rss:", StringComparison.Ordinal))
            {
                total += long.Parse(line["Rss:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }

        return total;
    }
}
