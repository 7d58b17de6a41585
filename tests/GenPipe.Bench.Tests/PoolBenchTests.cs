using System.Text.Json.Nodes;
using GenPipe.Bench.Pool;
using Shouldly;
using Xunit;

namespace GenPipe.Bench.Tests;

/// The pool benchmark's building blocks: its quick mode runs all four measurements end to end (the same code as the
/// recorded run, at toy sizes), the pipeline it compares is the diffuse step alone, and rewriting the docs touches
/// only the section between its markers.
public sealed class PoolBenchTests
{
    [Fact]
    public async Task Quick_mode_runs_every_measurement_and_renders_the_section()
    {
        var options = BenchOptions.QuickDefaults with { Pairs = 1, Count = 200, Steps = 4, LeaseCalls = 200, ModelReps = 1, Seconds = 0.5 };

        var report = await PoolBench.RunAsync(options, TextWriter.Null);

        report.Overhead.PipelineMs.ShouldBeGreaterThan(0);
        report.Overhead.HandMs.ShouldBeGreaterThan(0);
        report.Leases.Select(l => l.Components).ShouldBe([1, 3, 3]);
        report.ModelSwap.CountedBytes.ShouldBeGreaterThan(0);
        report.ModelSwap.WeightBytes.ShouldBeGreaterThan(0);
        report.Memory.Runs.ShouldAllBe(r => r.Runs >= 1, "every pipeline ran at least once alongside the others");
        report.Memory.Pool.Evictions.ShouldBeGreaterThan(0, "the budget holds fewer models than the pipelines use");
        report.Memory.Pool.PeakBytes.ShouldBeLessThanOrEqualTo(report.Memory.Pool.BudgetBytes);
        report.Memory.PeakBytes.ShouldBeGreaterThan(report.Memory.Baseline.Bytes);
        string section = ReportMarkdown.Render(report);
        section.ShouldStartWith(ReportMarkdown.BeginMarker);
        section.TrimEnd().ShouldEndWith(ReportMarkdown.EndMarker);
    }

    [Fact]
    public void The_compared_pipeline_is_the_diffuse_step_alone_returning_its_samples()
    {
        string json = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "pipelines", "gaussian-mixture.json"));

        var variant = JsonNode.Parse(OverheadBench.DiffuseOnly(json))!;

        variant["steps"]!.AsArray().Select(s => s!["op"]!.GetValue<string>()).ShouldBe(["diffuse"]);
        variant["outputs"]!.ToJsonString().ShouldBe("""{"samples":"latents"}""");
        variant["components"]!.ToJsonString().ShouldBe(JsonNode.Parse(json)!["components"]!.ToJsonString());
    }

    [Fact]
    public void Rewriting_the_docs_replaces_the_section_and_keeps_the_text_around_it()
    {
        string section = $"{ReportMarkdown.BeginMarker}\nnew\n{ReportMarkdown.EndMarker}\n";
        string page = $"# Title\n\nbefore\n\n{ReportMarkdown.BeginMarker}\nold\n{ReportMarkdown.EndMarker}\n\nafter\n";

        DocsSection.Replace(page, section).ShouldBe($"# Title\n\nbefore\n\n{section}\nafter\n");
    }

    [Fact]
    public void A_page_without_the_section_gets_it_at_its_end_under_a_heading()
    {
        string section = $"{ReportMarkdown.BeginMarker}\nnew\n{ReportMarkdown.EndMarker}\n";

        string page = DocsSection.Replace("# Title\n\ntext\n", section);

        page.ShouldStartWith("# Title\n\ntext\n\n" + DocsSection.Heading + "\n");
        page.ShouldEndWith(section);
    }
}
