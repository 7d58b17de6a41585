using System.Text.Json;
using Shouldly;

namespace GenPipe.Cli.Tests;

/// <summary>
/// The pipelines the docs show are real: every fenced JSON block of README.md and docs/*.md that is a whole pipeline
/// (an object with a "steps" array) validates, and the headline example of docs/pipeline-format.md runs and samples
/// its two blobs.
/// </summary>
public sealed class DocumentedPipelineTests
{
    public static TheoryData<string, int> Pipelines()
    {
        var data = new TheoryData<string, int>();
        foreach (var (file, index, _) in WholePipelines())
        {
            data.Add(file, index);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Pipelines))]
    public async Task Documented_pipeline_validates(string file, int index)
    {
        using var temp = new TempFolder();
        string json = WholePipelines().Single(p => p.File == file && p.Index == index).Json;
        await File.WriteAllTextAsync(temp.Combine("pipeline.json"), json);

        var result = await RealProcess.RunAsync(temp.Path, false, "validate", "pipeline.json");

        result.ExitCode.ShouldBe(0, $"{file}, block {index}:\n{json}\n{result}");
        result.Error.ShouldNotContain("warning", Case.Insensitive, $"{file}, block {index}: a documented example should not need warnings\n{result}");
    }

    [Fact]
    public async Task The_headline_example_samples_both_blobs()
    {
        using var temp = new TempFolder();
        var headline = WholePipelines().First(p => p.File == Path.Combine("docs", "pipeline-format.md"));
        await File.WriteAllTextAsync(temp.Combine("two-blobs.json"), headline.Json);

        var result = await RealProcess.RunAsync(temp.Path, false, "run", "two-blobs.json", "--quiet");

        result.ExitCode.ShouldBe(0, result.ToString());
        var (shape, xy) = Npy.Read(temp.Combine("out", "two-blobs", "mixture.npy"));
        shape.ShouldBe([256, 2]);
        var points = Enumerable.Range(0, 256).Select(i => (X: xy[2 * i], Y: xy[(2 * i) + 1])).ToArray();
        var upper = points.Where(p => p.X + p.Y > 3).ToArray(); // the line halfway between (0, 0) and (3, 3)
        var lower = points.Where(p => p.X + p.Y <= 3).ToArray();

        // Equal weights: 128 expected in each blob (binomial sd 8); each blob centred on its mean with sd 0.5.
        upper.Length.ShouldBeInRange(96, 160);
        foreach (var (blob, centre) in new[] { (upper, 3.0), (lower, 0.0) })
        {
            ((double)blob.Average(p => p.X)).ShouldBe(centre, 0.2);
            ((double)blob.Average(p => p.Y)).ShouldBe(centre, 0.2);
            double sd = Math.Sqrt(blob.Average(p => ((p.X - centre) * (p.X - centre)) + ((p.Y - centre) * (p.Y - centre))) / 2);
            sd.ShouldBeInRange(0.4, 0.6);
        }
    }

    private static IEnumerable<(string File, int Index, string Json)> WholePipelines()
    {
        string root = Repository.Root;
        var files = new[] { Path.Combine(root, "README.md") }.Concat(Directory.GetFiles(Path.Combine(root, "docs"), "*.md").Order(StringComparer.Ordinal));
        foreach (string file in files)
        {
            int index = 0;
            foreach (string block in JsonBlocks(File.ReadAllLines(file)))
            {
                index++;
                // docs/plugins.md's pipeline uses the operator of the plugin that guide builds: PluginGuideTests builds
                // that plugin from the page and runs the pipeline with it.
                if (IsWholePipeline(block) && Path.GetFileName(file) != "plugins.md")
                {
                    yield return (Path.GetRelativePath(root, file), index, block);
                }
            }
        }
    }

    private static IEnumerable<string> JsonBlocks(string[] lines) =>
        MarkdownDocs.Fenced(lines).Where(block => block.Language is "json" or "jsonc").Select(block => string.Join("\n", block.Body));

    private static bool IsWholePipeline(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            return document.RootElement.ValueKind == JsonValueKind.Object &&
                document.RootElement.TryGetProperty("steps", out var steps) && steps.ValueKind == JsonValueKind.Array;
        }
        catch (JsonException)
        {
            return false; // a fragment ("key": value) illustrating one part
        }
    }
}
