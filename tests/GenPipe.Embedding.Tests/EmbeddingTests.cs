using GenPipe.Samples.Embedding;
using Shouldly;

namespace GenPipe.Embedding.Tests;

/// <summary>The embedding sample: AddGenPipe, a parameter override, progress, and cancellation mid-run.</summary>
public sealed class EmbeddingTests
{
    [Fact]
    public async Task Sample_app_runs_with_override_reads_progress_and_cancels()
    {
        string root = Path.Combine(Path.GetTempPath(), "genpipe-embedding-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var log = new StringWriter();
            var report = await EmbeddingDemo.RunAsync(
                Path.Combine(AppContext.BaseDirectory, "pipelines", "gaussian-mixture.json"), Path.Combine(root, "out"), log);

            report.Samples.GetShape().ShouldBe([500, 2], "the override count=500 applies");
            report.IterationsSeen.ShouldBe(12, "one progress event per denoising step (steps=12)");
            report.Files.Select(Path.GetFileName).Order().ShouldBe(["gaussian-mixture.npy", "gaussian-mixture.png"]);
            report.Files.ShouldAllBe(f => File.Exists(f));
            report.CancelledAfterIteration.ShouldBe(5);
            report.CancelledRunWroteFiles.ShouldBeFalse("a cancelled run leaves nothing behind");
            log.ToString().ShouldContain("second run cancelled at iteration 5");
        }
        finally
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    [Fact]
    public async Task Sample_app_streams_tokens_and_stops_the_run_when_it_stops_reading()
    {
        string root = Path.Combine(Path.GetTempPath(), "genpipe-streaming-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var log = new StringWriter();
            var report = await TextStreamingDemo.RunAsync(
                Path.Combine(AppContext.BaseDirectory, "pipelines", "fortune.json"), Path.Combine(root, "out"), "The cat ", log);

            report.Tokens.ShouldBeInRange(1, 120, "max_tokens=120 bounds the stream");
            log.ToString().ShouldStartWith("The cat " + report.Text, Case.Sensitive, "the prompt, then every piece as it arrived");
            File.ReadAllText(Path.Combine(root, "out", "fortune.txt")).ShouldBe("The cat " + report.Text + (report.Text.EndsWith('\n') ? "" : "\n"));
            report.StoppedAfter.ShouldBe(10);
            report.StoppedRunWroteFiles.ShouldBeFalse("leaving the loop cancels the run, which writes nothing");
        }
        finally
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }
}
