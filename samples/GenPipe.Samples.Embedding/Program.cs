using GenPipe.Samples.Embedding;

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
