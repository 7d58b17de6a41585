using System.Runtime.InteropServices;

namespace GenPipe.Bench.Pool;

/// <summary>The machine a run was recorded on, as the docs name it: lscpu's model name with the CPU family and model.</summary>
internal static class Machine
{
    public static string Describe()
    {
        var cpu = CpuInfo();
        string model = cpu.GetValueOrDefault("model name") ?? RuntimeInformation.ProcessArchitecture.ToString();
        string detail = cpu.TryGetValue("cpu family", out string? family) && cpu.TryGetValue("model", out string? number)
            ? $" ({cpu.GetValueOrDefault("vendor_id")} family {family} model {number})"
            : "";
        return $"{model}{detail}, {Environment.ProcessorCount} CPUs, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}";
    }

    // The first processor's lines of /proc/cpuinfo (what lscpu reads); empty elsewhere.
    private static Dictionary<string, string> CpuInfo()
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!File.Exists("/proc/cpuinfo"))
        {
            return values;
        }

        foreach (string line in File.ReadLines("/proc/cpuinfo"))
        {
            if (line.Length == 0)
            {
                break;
            }

            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                values.TryAdd(line[..colon].Trim(), line[(colon + 1)..].Trim());
            }
        }

        return values;
    }
}
