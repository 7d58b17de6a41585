using GenPipe.Core;
using GenPipe.Samples.Embedding;

// dotnet run --project samples/GenPipe.Samples.Embedding -c Release -- fortune "A penny saved"
// dotnet run --project samples/GenPipe.Samples.Embedding -c Release -- concurrent [budget] [rounds]
// dotnet run --project samples/GenPipe.Samples.Embedding -c Release -- [pipeline.json] [output folder]
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

try
{
    if (args.Length > 0 && args[0] == "fortune")
    {
        var streamed = await TextStreamingDemo.RunAsync(
            Path.Combine(AppContext.BaseDirectory, "pipelines", "fortune.json"), Path.Combine("out", "embedding-fortune"), args.Length > 1 ? args[1] : "", Console.Out, stop.Token);
        Console.WriteLine($"{streamed.Tokens} tokens streamed; the second run stopped after {streamed.StoppedAfter}; it wrote files: {streamed.StoppedRunWroteFiles}");
        return 0;
    }

    if (args.Length > 0 && args[0] == "concurrent")
    {
        var concurrent = await ConcurrentDemo.RunAsync(
            Path.Combine(AppContext.BaseDirectory, "pipelines"), args.Length > 1 ? args[1] : "24MB", args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 3, Console.Out, stop.Token);
        return concurrent.Mismatches == 0 ? 0 : 1;
    }

    string pipeline = args.Length > 0 ? args[0] : Path.Combine(AppContext.BaseDirectory, "gaussian-mixture.json");
    string output = args.Length > 1 ? args[1] : Path.Combine("out", "embedding-sample");
    var report = await EmbeddingDemo.RunAsync(pipeline, output, Console.Out, stop.Token);
    Console.WriteLine($"samples {report.Samples}; wrote {string.Join(", ", report.Files)}");
    Console.WriteLine($"second run cancelled at iteration {report.CancelledAfterIteration}; wrote files: {report.CancelledRunWroteFiles}");
    return 0;
}
catch (PipelineValidationException invalid)
{
    // What an app shows its user: each problem with its file, JSON path and fix; no stack trace.
    foreach (var diagnostic in invalid.Diagnostics)
    {
        Console.Error.WriteLine(diagnostic);
    }

    return 2;
}
catch (PipelineExecutionException failed)
{
    Console.Error.WriteLine($"error: {failed.Message}");
    return 1;
}
catch (OperationCanceledException)
{
    Console.Error.WriteLine("cancelled: nothing was written.");
    return 1;
}
