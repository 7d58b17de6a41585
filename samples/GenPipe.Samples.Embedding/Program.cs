using GenPipe.Samples.Embedding;

// dotnet run --project samples/GenPipe.Samples.Embedding -- fortune "A penny saved"
if (args.Length > 0 && args[0] == "fortune")
{
    using var stop = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true;
        stop.Cancel();
    };
    var streamed = await TextStreamingDemo.RunAsync(
        Path.Combine(AppContext.BaseDirectory, "pipelines", "fortune.json"), Path.Combine("out", "embedding-fortune"), args.Length > 1 ? args[1] : "", Console.Out, stop.Token);
    Console.WriteLine($"{streamed.Tokens} tokens streamed; the second run stopped after {streamed.StoppedAfter}; it wrote files: {streamed.StoppedRunWroteFiles}");
    return 0;
}

string pipeline = args.Length > 0 ? args[0] : Path.Combine(AppContext.BaseDirectory, "gaussian-mixture.json");
string output = args.Length > 1 ? args[1] : Path.Combine("out", "embedding-sample");
using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cts.Cancel();
};

var report = await EmbeddingDemo.RunAsync(pipeline, output, Console.Out, cts.Token);
Console.WriteLine($"samples {report.Samples}; wrote {string.Join(", ", report.Files)}");
Console.WriteLine($"second run cancelled at iteration {report.CancelledAfterIteration}; wrote files: {report.CancelledRunWroteFiles}");
return 0;
