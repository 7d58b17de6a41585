using Shouldly;

namespace GenPipe.Cli.Tests;

/// <summary>
/// The real <c>genpipe</c> process in a pseudo-terminal and piped: every bundled pipeline runs, an error is one clear
/// message, Ctrl+C (once or twice) and SIGTERM stop the run, and nothing half-written is ever left behind.
/// </summary>
public sealed class TerminalTests
{
    private const string LongRun = "--set=count=2000000";

    public static TheoryData<string, bool> BundledPipelines()
    {
        var data = new TheoryData<string, bool>();
        foreach (string file in Directory.GetFiles(CliRunner.TestData("pipelines"), "*.json").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file), true);
            data.Add(Path.GetFileName(file), false);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(BundledPipelines))]
    public async Task Every_bundled_pipeline_runs_and_writes_its_files(string pipeline, bool terminal)
    {
        using var temp = new TempFolder();

        var result = await RealProcess.RunAsync(temp.Path, terminal, "run", CliRunner.TestData("pipelines", pipeline), "--out", "out");

        result.ExitCode.ShouldBe(0, result.ToString());
        string all = result.Output + result.Error;
        all.ShouldNotContain("Unhandled exception", Case.Insensitive, result.ToString());
        StackTraces.In(all).ShouldBeFalse(result.ToString());
        Directory.GetFiles(temp.Combine("out")).ShouldNotBeEmpty(result.ToString());
        LeftOvers(temp.Path).ShouldBeEmpty(result.ToString());
        if (terminal)
        {
            all.ShouldContain("\u001b[", Case.Sensitive, "a terminal gets live progress (ANSI) output");
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_invalid_pipeline_is_one_message_and_exit_2(bool terminal)
    {
        using var temp = new TempFolder();

        var result = await RealProcess.RunAsync(temp.Path, terminal, "run", CliRunner.TestData("Broken", "unknown-operator.json"), "--out", "out");

        result.ExitCode.ShouldBe(2, result.ToString());
        (result.Output + result.Error).ShouldContain("Did you mean 'diffuse'?");
        StackTraces.In(result.Output + result.Error).ShouldBeFalse(result.ToString());
        Directory.GetFileSystemEntries(temp.Path).ShouldBeEmpty();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Ctrl_C_cancels_the_run_and_writes_nothing(bool terminal)
    {
        using var temp = new TempFolder();
        using var process = RealProcess.Start(temp.Path, terminal, "run", CliRunner.TestData("pipelines", "gaussian-mixture.json"), LongRun, "--out", "out");
        await process.WaitForAsync("latents", TimeSpan.FromSeconds(60));

        process.Interrupt();
        var result = await process.WaitAsync(TimeSpan.FromSeconds(60));

        result.ExitCode.ShouldBe(1, result.ToString());
        (result.Output + result.Error).ShouldContain("nothing was written");
        StackTraces.In(result.Output + result.Error).ShouldBeFalse(result.ToString());
        Directory.GetFileSystemEntries(temp.Path).ShouldBeEmpty(result.ToString());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_second_Ctrl_C_stops_at_once_without_a_crash_or_a_staging_folder(bool terminal)
    {
        using var temp = new TempFolder();
        using var process = RealProcess.Start(temp.Path, terminal, "run", CliRunner.TestData("pipelines", "gaussian-mixture.json"), LongRun, "--out", "out");
        await process.WaitForAsync("latents", TimeSpan.FromSeconds(60));

        process.Interrupt();
        process.Interrupt();
        var result = await process.WaitAsync(TimeSpan.FromSeconds(60));

        result.ExitCode.ShouldBe(1, result.ToString());
        string all = result.Output + result.Error;
        all.ShouldContain("nothing was written");
        StackTraces.In(all).ShouldBeFalse(result.ToString());
        all.ShouldNotContain("Unhandled", Case.Insensitive);
        Directory.GetFileSystemEntries(temp.Path).ShouldBeEmpty(result.ToString());
    }

    [Fact]
    public async Task SIGTERM_cancels_like_Ctrl_C()
    {
        using var temp = new TempFolder();
        using var process = RealProcess.Start(temp.Path, false, "run", CliRunner.TestData("pipelines", "gaussian-mixture.json"), LongRun, "--out", "out");
        await process.WaitForAsync("latents", TimeSpan.FromSeconds(60));

        process.Signal(15);
        var result = await process.WaitAsync(TimeSpan.FromSeconds(60));

        result.ExitCode.ShouldBe(1, result.ToString());
        result.Error.ShouldContain("nothing was written");
        Directory.GetFileSystemEntries(temp.Path).ShouldBeEmpty(result.ToString());
    }

    [Fact]
    public async Task A_run_killed_mid_write_leaves_only_a_hidden_folder_that_the_next_run_deletes()
    {
        using var temp = new TempFolder();
        // What SIGKILL mid-write leaves: a staging folder named for a process that no longer runs, with a partial file.
        using (var gone = System.Diagnostics.Process.Start("true")!)
        {
            gone.WaitForExit();
            string stale = temp.Combine($".genpipe-staging-{gone.Id}-0badc0de");
            Directory.CreateDirectory(stale);
            await File.WriteAllBytesAsync(Path.Combine(stale, "gaussian-mixture.npy"), new byte[1 << 20]);
        }

        var result = await RealProcess.RunAsync(temp.Path, false, "run", CliRunner.TestData("pipelines", "gaussian-mixture.json"), "--out", "out", "--quiet");

        result.ExitCode.ShouldBe(0, result.ToString());
        Directory.GetFileSystemEntries(temp.Path).Select(Path.GetFileName).ShouldBe(["out"]);
    }

    /// <summary>Staging folders and anything else besides the output folder.</summary>
    private static string[] LeftOvers(string folder) =>
        [.. Directory.GetFileSystemEntries(folder).Select(Path.GetFileName).Where(n => n != "out").Select(n => n!)];
}
