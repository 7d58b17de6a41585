using System.Diagnostics;
using System.Runtime;
using System.Text.Json.Nodes;
using GenPipe.Tensors;
using GenPipe.Tensors.Cpu;
using GenPipe.Tensors.SafeTensors;

namespace GenPipe.Bench.Sd15;

/// <summary>
/// <c>measure</c>: loads one component in one engine, runs it untimed <c>--warmup</c> times and for <c>--warmup-seconds</c>, then at least
/// <c>--runs</c> times (and for at least <c>--seconds</c>), and prints one JSON line: every run's milliseconds, the
/// load time, the resident memory after loading and the process's peak (the kernel's VmHWM), and the engine.
/// </summary>
internal static class Measure
{
    public static int Run(BenchOptions options)
    {
        string model = options.Model ?? throw new ArgumentException("measure needs --model DIR (the diffusers folder bench/sd15.py wrote).");
        string inputsFile = options.Inputs ?? throw new ArgumentException("measure needs --inputs FILE.");
        var inputs = SdInputs.Read(options.Component, inputsFile);
        CpuBackend.Shared.Workers.Threads = Math.Min(options.Threads, CpuBackend.Shared.Workers.MaxThreads);

        long loadStart = Stopwatch.GetTimestamp();
        using ISdSide side = options.Side == "genpipe"
            ? GenPipeSide.Load(options.Component, model, inputs, CpuBackend.Shared)
            : new OnnxSide(Path.Combine(model, "onnx", options.Component.Name(), "model.onnx"), inputs, options.Threads);
        double loadSeconds = Stopwatch.GetElapsedTime(loadStart).TotalSeconds;
        GC.Collect();
        long afterLoad = ProcMemory.Now().Bytes;

        // At least --warmup runs and --warmup-seconds: a small network needs many calls before tiered compilation has
        // optimized every kernel, a large one is warm after one run.
        var warmup = new JsonArray();
        long warmStart = Stopwatch.GetTimestamp();
        while (warmup.Count < options.Warmup || Stopwatch.GetElapsedTime(warmStart).TotalSeconds < options.WarmupSeconds)
        {
            warmup.Add(TimeOne(side));
        }

        var times = new List<double>();
        long start = Stopwatch.GetTimestamp();
        while (times.Count < options.Runs || Stopwatch.GetElapsedTime(start).TotalSeconds < options.Seconds)
        {
            times.Add(TimeOne(side));
        }

        var (values, shape) = side.Output();
        if (options.Output is not null)
        {
            new SafeTensorsWriter().Add("output", new Tensor(values, shape)).Save(options.Output);
        }

        var answer = new JsonObject
        {
            ["side"] = side.Name,
            ["component"] = options.Component.Name(),
            ["engine"] = side.Description,
            ["load_s"] = loadSeconds,
            ["warmup_ms"] = warmup,
            ["times_ms"] = new JsonArray([.. times.Select(t => JsonValue.Create(t))]),
            ["best_ms"] = times.Min(),
            ["rss_after_load_bytes"] = afterLoad,
            ["peak_rss_bytes"] = ProcMemory.KernelPeakBytes(),
            ["output_shape"] = new JsonArray([.. shape.Select(d => JsonValue.Create(d))]),
            ["gc"] = GCSettings.IsServerGC ? "server" : "workstation",
        };
        Console.Out.WriteLine(answer.ToJsonString());
        return 0;
    }

    private static double TimeOne(ISdSide side)
    {
        long t0 = Stopwatch.GetTimestamp();
        side.Run();
        return Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
    }
}
