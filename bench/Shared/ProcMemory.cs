using System.Diagnostics;
using System.Globalization;

namespace GenPipe.Bench;

/// <summary>
/// The process's resident memory, split as Linux reports it: anonymous (heaps, stacks), file-backed (mapped files) and
/// shared memory (.NET maps the code it compiles twice, writable and executable, through shared memory).
/// </summary>
internal readonly record struct Resident(long Bytes, long AnonymousBytes, long FileBytes, long SharedBytes);

/// <summary>
/// The process's resident set from /proc/self (Linux); elsewhere <see cref="Process.WorkingSet64"/>, without the split.
/// </summary>
internal static class ProcMemory
{
    private static readonly bool HasProc = File.Exists("/proc/self/statm");

    /// <summary>Resident bytes now: /proc/self/statm, the cheapest read, for sampling every few milliseconds.</summary>
    public static long ResidentBytes()
    {
        if (!HasProc)
        {
            using var process = Process.GetCurrentProcess();
            return process.WorkingSet64;
        }

        string[] fields = File.ReadAllText("/proc/self/statm").Split(' ');
        return long.Parse(fields[1], CultureInfo.InvariantCulture) * Environment.SystemPageSize;
    }

    /// <summary>
    /// The process's minor page faults so far (field 10 of /proc/self/stat): each is a page touched for the first time,
    /// from the page cache or freshly zeroed. 0 off Linux.
    /// </summary>
    public static long MinorFaults()
    {
        if (!HasProc)
        {
            return 0;
        }

        // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
        string stat = File.ReadAllText("/proc/self/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[7], CultureInfo.InvariantCulture);
    }

    /// <summary>Resident bytes now, with their split (zero where the system does not report it).</summary>
    public static Resident Now()
    {
        var status = Status();
        return status.TryGetValue("VmRSS", out long rss)
            ? new Resident(rss, status.GetValueOrDefault("RssAnon"), status.GetValueOrDefault("RssFile"), status.GetValueOrDefault("RssShmem"))
            : new Resident(ResidentBytes(), 0, 0, 0);
    }

    /// <summary>The kernel's peak resident bytes since the process started or <see cref="TryResetPeak"/>; null off Linux.</summary>
    public static long? KernelPeakBytes() => Status().TryGetValue("VmHWM", out long peak) ? peak : null;

    /// <summary>
    /// Restarts the kernel's peak (VmHWM) from the current resident set, so that it covers only what follows; false where
    /// the system does not allow it. Writing 5 to clear_refs does that (Linux 4.0 and later).
    /// </summary>
    public static bool TryResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    // The "Name:   1234 kB" lines of /proc/self/status, in bytes.
    private static Dictionary<string, long> Status()
    {
        var values = new Dictionary<string, long>(StringComparer.Ordinal);
        if (!HasProc)
        {
            return values;
        }

        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line.EndsWith(" kB", StringComparison.Ordinal)
                && long.TryParse(line[(colon + 1)..^3].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long kb))
            {
                values[line[..colon]] = kb * 1024;
            }
        }

        return values;
    }
}
