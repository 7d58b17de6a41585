using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text.Json;
using System.Text.Json.Nodes;
using GenPipe.Bench.Kernels;
using GenPipe.Tensors.Cpu;
using GenPipe.Tensors.SafeTensors;

// The GenPipe half of bench/side_by_side.py: reads the case list the Python side wrote, times each case at each
// thread count, checks the outputs against PyTorch's, and writes the results as JSON. Run it through the script.
string? casesPath = null, outPath = null;
for (int i = 0; i < args.Length - 1; i++)
{
    if (args[i] == "--cases")
    {
        casesPath = args[i + 1];
    }
    else if (args[i] == "--out")
    {
        outPath = args[i + 1];
    }
}

if (casesPath is null || outPath is null)
{
    Console.Error.WriteLine("usage: GenPipe.Bench.Kernels --cases cases.json --out results.json (normally run by bench/side_by_side.py)");
    return 2;
}

var manifest = JsonNode.Parse(File.ReadAllText(casesPath))!;
int[] threadCounts = manifest["threads"]!.AsArray().Select(t => (int)t!).ToArray();
bool quick = (bool?)manifest["quick"] ?? false;
var workers = CpuBackend.Shared.Workers;
if (threadCounts.Max() > workers.MaxThreads)
{
    Console.Error.WriteLine($"This machine runs at most {workers.MaxThreads} threads; asked for {threadCounts.Max()}.");
    return 2;
}

var results = new JsonArray();
var cases = manifest["cases"]!.AsArray();
for (int index = 0; index < cases.Count; index++)
{
    var entry = cases[index]!;
    string label = (string)entry["label"]!;
    using var file = SafeTensorsFile.Open((string)entry["file"]!);
    var benchCase = BenchCase.Create((string)entry["kind"]!, file);
    foreach (int threads in threadCounts)
    {
        workers.Threads = threads;
        var (ms, allocated, runs) = Timing.Measure(benchCase.Run, quick ? 0.2 : 1.0);
        double error = benchCase.MaxRelativeError();
        Console.WriteLine($"# genpipe {label,-34} {threads}T {ms,9:F3} ms  ({runs} runs, {allocated:F0} B allocated per run, max rel err {error:E2})");
        var result = new JsonObject
        {
            ["case"] = index,
            ["threads"] = threads,
            ["ms"] = ms,
            ["runs"] = runs,
            ["allocated_bytes_per_run"] = allocated,
            ["max_rel_error"] = error,
        };
        if (benchCase.Flops is double flops)
        {
            result["flops"] = flops;
        }

        results.Add(result);
    }
}

var limits = new JsonObject();
var notes = new JsonArray();
foreach (int threads in threadCounts)
{
    double peak = MachineLimits.PeakGflops(workers, threads);
    double triad = MachineLimits.TriadGBps(workers, threads);
    limits[$"{threads}"] = new JsonObject { ["peak_fp32_gflops"] = peak, ["triad_gbps"] = triad };
    notes.Add($"limit at {threads} thread(s): peak FP32 FMA {peak:F0} GFLOP/s (Vector512, measured), memory triad {triad:F1} GB/s (measured)");
}

string cpu = File.Exists("/proc/cpuinfo")
    ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU"
    : RuntimeInformation.ProcessArchitecture.ToString();
var output = new JsonObject
{
    ["machine"] = $"{cpu}, {Environment.ProcessorCount} cores, Vector512 {(Vector512.IsHardwareAccelerated ? "accelerated" : "not accelerated")}",
    ["runtime"] = RuntimeInformation.FrameworkDescription,
    ["results"] = results,
    ["limits"] = limits,
    ["notes"] = notes,
};
File.WriteAllText(outPath, output.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
return 0;
