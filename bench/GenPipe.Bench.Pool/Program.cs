// The component pool measured (issue 11, point 9): framework overhead against a hand-written loop, lease cost, model
// load/evict/reload, and peak memory of concurrent pipelines under a budget. One run; see bench/README.md.
using GenPipe.Bench.Pool;

var options = BenchOptions.Parse(args, out string? error);
if (options is null)
{
    Console.Error.WriteLine(error);
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}

string root = GenPipe.Bench.BenchRepository.Root();
string outputFile = Path.GetFullPath(options.OutputFile
    ?? (options.Quick ? Path.Combine(root, "out", "pool-bench", "performance.md") : Path.Combine(root, "docs", "performance.md")));
PoolBenchReport report;
try
{
    report = await PoolBench.RunAsync(options, Console.Out);
}
catch (InvalidOperationException failed)
{
    // A comparison that does not compare like with like (different samples, no eviction) is refused, not reported.
    Console.Error.WriteLine($"error: {failed.Message}");
    return 1;
}

string section = ReportMarkdown.Render(report);
Console.WriteLine();
Console.WriteLine(section);
if (options.WriteDocs)
{
    DocsSection.Write(outputFile, section);
    Console.WriteLine($"Wrote the pool-bench section of {outputFile}.");
}

return 0;
