// Quality per model evaluation of every registered scheduler on the exact Gaussian-mixture denoiser (issue 3, item 5).
// See bench/README.md.
using System.Text.Json.Nodes;
using GenPipe.Bench.SchedulerQuality;
using GenPipe.Diffusion;

var options = BenchOptions.Parse(args, out string? error);
if (options is null)
{
    Console.Error.WriteLine(error);
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}

string root = GenPipe.Bench.BenchRepository.Root();
string pipelinePath = Path.GetFullPath(options.PipelinePath ?? Path.Combine(root, "pipelines", "gaussian-mixture.json"));
JsonObject mixtureOptions;
try
{
    mixtureOptions = MixtureOptions(pipelinePath);
}
catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Text.Json.JsonException or InvalidDataException)
{
    Console.Error.WriteLine($"{pipelinePath}: {ex.Message}");
    return 2;
}

string outputDirectory = Path.GetFullPath(options.OutputDirectory
    ?? (options.Quick ? Path.Combine(root, "out", "scheduler-quality") : Path.Combine(root, "docs")));
await using var host = new BenchHost(mixtureOptions);
Console.WriteLine($"Schedulers registered: {string.Join(", ", host.Schedulers.Select(s => s.Id))}");
var report = await new QualityBench(host, options, Console.Out).RunAsync(Path.GetRelativePath(root, pipelinePath).Replace('\\', '/'));
var written = DocsWriter.Write(report, outputDirectory);
Console.WriteLine($"Wrote {string.Join(", ", written)} in {report.Elapsed.TotalSeconds:0.0} s.");
return 0;

// The options of the pipeline's Gaussian-mixture denoiser: the mixture and its training schedule.
static JsonObject MixtureOptions(string pipelinePath)
{
    var document = JsonNode.Parse(File.ReadAllText(pipelinePath), documentOptions: new() { CommentHandling = System.Text.Json.JsonCommentHandling.Skip });
    var components = document?["components"] as JsonObject
        ?? throw new InvalidDataException("the pipeline has no \"components\" object.");
    foreach (var (name, component) in components)
    {
        if (component?["type"]?.GetValue<string>() == GaussianMixtureDenoiser.ComponentId)
        {
            return component["options"] as JsonObject ?? [];
        }
    }

    throw new InvalidDataException($"no component of type {GaussianMixtureDenoiser.ComponentId} under \"components\"; pass a pipeline that samples a Gaussian mixture.");
}
