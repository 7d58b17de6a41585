using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text.Json.Nodes;
using GenPipe.Bench.Kernels;
using GenPipe.Tensors.Cpu;
using GenPipe.Tensors.SafeTensors;

// The GenPipe half of bench/side_by_side.py. It loads the cases the Python side wrote (inputs, weights and PyTorch's
// outputs, in safetensors files) and then serves timing requests on stdin, one JSON line answered per request, so the
// script can alternate PyTorch and GenPipe case by case and round by round: on a VM whose neighbours steal time in
// phases of seconds, interleaving is what makes the two sides see the same machine.
//   run <case> <threads> <seconds>   -> {"ms": best, "runs": n, "allocated_bytes_per_run": b, "max_rel_error": e}
//   limits                           -> {"machine": ..., "runtime": ..., "limits": {...}, "notes": [...]}
//   quit
// `--limits 1,2` prints the limits answer for those thread counts and exits (bench/torch/peer_env.py uses it to judge
// whether the PyTorch peer runs near the machine's peak).
var workers = CpuBackend.Shared.Workers;
if (args is ["--limits", var limitThreads])
{
    Console.Out.WriteLine(Limits([.. limitThreads.Split(',').Select(t => int.Parse(t, System.Globalization.CultureInfo.InvariantCulture))]).ToJsonString());
    return 0;
}

string? casesPath = args.Length == 2 && args[0] == "--cases" ? args[1] : null;
if (casesPath is null)
{
    Console.Error.WriteLine("usage: GenPipe.Bench.Kernels --cases cases.json (run by bench/side_by_side.py, which talks to it on stdin) | --limits 1,2");
    return 2;
}

var manifest = JsonNode.Parse(File.ReadAllText(casesPath))!;
var entries = manifest["cases"]!.AsArray();
var files = new List<SafeTensorsFile>();
var cases = new List<BenchCase>();
foreach (var entry in entries)
{
    var file = SafeTensorsFile.Open((string)entry!["file"]!);
    files.Add(file);
    cases.Add(BenchCase.Create((string)entry["kind"]!, file));
}

Console.Out.WriteLine("{\"ready\": true}");
Console.Out.Flush();
string? line;
while ((line = Console.In.ReadLine()) is not null)
{
    string[] words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
    JsonObject answer;
    if (words is ["run", var caseText, var threadText, var secondsText])
    {
        int index = int.Parse(caseText, System.Globalization.CultureInfo.InvariantCulture);
        int threads = int.Parse(threadText, System.Globalization.CultureInfo.InvariantCulture);
        double seconds = double.Parse(secondsText, System.Globalization.CultureInfo.InvariantCulture);
        if (threads > workers.MaxThreads)
        {
            answer = new JsonObject { ["error"] = $"This machine runs at most {workers.MaxThreads} threads; asked for {threads}." };
        }
        else
        {
            workers.Threads = threads;
            var benchCase = cases[index];
            var (ms, allocated, runs) = Timing.Measure(benchCase.Run, seconds);
            answer = new JsonObject
            {
                ["ms"] = ms,
                ["runs"] = runs,
                ["allocated_bytes_per_run"] = allocated,
                ["max_rel_error"] = benchCase.MaxRelativeError(),
            };
            if (benchCase.Flops is double flops)
            {
                answer["flops"] = flops;
            }
        }
    }
    else if (words is ["limits", .. var threadList])
    {
        answer = Limits(threadList.Select(int.Parse).ToArray());
    }
    else if (words is ["quit"])
    {
        break;
    }
    else
    {
        answer = new JsonObject { ["error"] = $"unknown request '{line}'" };
    }

    Console.Out.WriteLine(answer.ToJsonString());
    Console.Out.Flush();
}

foreach (var file in files)
{
    file.Dispose();
}

return 0;

JsonObject Limits(int[] threadCounts)
{
    var limits = new JsonObject();
    var notes = new JsonArray();
    foreach (int threads in threadCounts)
    {
        double peak = MachineLimits.PeakGflops(threads);
        double triad = MachineLimits.TriadGBps(workers, threads);
        limits[$"{threads}"] = new JsonObject { ["peak_fp32_gflops"] = peak, ["triad_gbps"] = triad };
        notes.Add($"limit at {threads} thread(s): peak FP32 FMA {peak:F0} GFLOP/s ({MachineLimits.PeakVector}, measured), memory triad {triad:F1} GB/s (measured)");
    }

    return new JsonObject
    {
        ["vectors"] = Vector512.IsHardwareAccelerated ? "Vector512 accelerated" : "Vector512 not accelerated (Vector256 kernels)",
        ["runtime"] = RuntimeInformation.FrameworkDescription,
        ["limits"] = limits,
        ["peak_vector"] = MachineLimits.PeakVector,
        ["notes"] = notes,
    };
}
