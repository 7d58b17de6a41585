using System.Diagnostics;
using System.Globalization;
using GenPipe.Tensors.Cpu;

namespace GenPipe.Bench.Sd15;

/// <summary>
/// <c>profile</c>: GenPipe's forward of one component with every kernel call timed (<see cref="ProfilingBackend"/>),
/// on synthetic inputs; prints the time by kernel family and the slowest kernel shapes, with GFLOP/s for products.
/// The kernels run one after another as in a plain forward, so the sum is the forward's time minus module overhead.
/// </summary>
internal static class Profile
{
    public static int Run(BenchOptions options)
    {
        CpuBackend.Shared.Workers.Threads = Math.Min(options.Threads, CpuBackend.Shared.Workers.MaxThreads);
        var backend = new ProfilingBackend(CpuBackend.Shared);
        var inputs = SdInputs.Synthetic(options.Component, options.Batch, options.Size);
        using ISdSide side = options.Model is not null
            ? GenPipeSide.Load(options.Component, options.Model, inputs, backend)
            : GenPipeSide.Synthetic(options.Component, options.Config ?? throw new ArgumentException("profile needs --model DIR or --config FILE."), inputs, backend);

        side.Run();
        double best = double.PositiveInfinity;
        List<ProfileLine> lines = [];
        for (int i = 0; i < options.Runs; i++)
        {
            backend.Reset();
            long start = Stopwatch.GetTimestamp();
            side.Run();
            double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"run {i}: {ms:F1} ms"));
            if (ms < best)
            {
                best = ms;
                lines = [.. backend.Lines];
            }
        }

        Print(lines, best);
        return 0;
    }

    private static void Print(List<ProfileLine> lines, double total)
    {
        var inv = CultureInfo.InvariantCulture;
        Console.Out.WriteLine(string.Create(inv, $"forward {total:F1} ms; kernels {lines.Sum(l => l.Milliseconds):F1} ms"));
        Console.Out.WriteLine("by family:");
        foreach (var family in lines.GroupBy(l => l.Kind).OrderByDescending(g => g.Sum(l => l.Milliseconds)))
        {
            double ms = family.Sum(l => l.Milliseconds), flops = family.Sum(l => l.Flops);
            Console.Out.WriteLine(string.Create(inv,
                $"  {family.Key,-18} {ms,9:F1} ms {100 * ms / total,5:F1}% {family.Sum(l => l.Calls),5} calls {Gflops(flops, ms)}"));
        }

        Console.Out.WriteLine("slowest shapes:");
        foreach (var line in lines.OrderByDescending(l => l.Milliseconds).Take(40))
        {
            Console.Out.WriteLine(string.Create(inv,
                $"  {line.Detail,-52} {line.Milliseconds,9:F1} ms {100 * line.Milliseconds / total,5:F1}% {line.Calls,4} calls {Gflops(line.Flops, line.Milliseconds)}"));
        }

        Console.Out.WriteLine(string.Create(inv, $"GFLOP total {lines.Sum(l => l.Flops) / 1e9:F1}"));
    }

    private static string Gflops(double flops, double ms) =>
        flops > 0 ? string.Create(CultureInfo.InvariantCulture, $"{flops / ms / 1e6,7:F1} GFLOP/s") : "";
}
