using System.Diagnostics;
using Shouldly;

namespace GenPipe.Cli.Tests;

/// <summary>
/// Every shell command that README.md and docs/*.md show in a fenced block and that starts with <c>genpipe</c> or
/// <c>dotnet run</c> runs as written, from the repository root, and succeeds without a stack trace. <c>genpipe</c> is
/// the executable built beside these tests. So the docs cannot drift from what the command does.
/// </summary>
public sealed class DocumentedCommandTests
{
    /// <summary>
    /// Documented commands that are measurements, not examples: they run for minutes and rewrite docs (bench/README.md
    /// explains them). Everything else runs.
    /// </summary>
    private static readonly string[] Measurements = ["dotnet run -c Release --project bench/"];

    /// <summary>
    /// docs/plugins.md's commands that use the plugin the guide builds (in <c>../my-plugins</c>, beside the clone): they
    /// need that plugin built first, so PluginGuideTests runs them, in a folder laid out as the guide says, after
    /// building the guide's plugin from the page itself.
    /// </summary>
    private static bool NeedsTheGuidesPlugin(string file, string command) =>
        Path.GetFileName(file) == "plugins.md" && command.Contains("../my-plugins", StringComparison.Ordinal);

    public static TheoryData<string, string> Commands()
    {
        var data = new TheoryData<string, string>();
        string root = Repository.Root;
        var files = new[] { Path.Combine(root, "README.md") }.Concat(Directory.GetFiles(Path.Combine(root, "docs"), "*.md").Order(StringComparer.Ordinal));
        foreach (string file in files)
        {
            foreach (string command in ShellCommands(File.ReadAllLines(file)))
            {
                if (!Measurements.Any(m => command.StartsWith(m, StringComparison.Ordinal)) && !NeedsTheGuidesPlugin(file, command))
                {
                    data.Add(Path.GetRelativePath(root, file), command);
                }
            }
        }

        return data;
    }

    [Fact]
    public void The_readme_shows_the_commands_a_newcomer_runs_first()
    {
        var readme = Commands().Select(row => ((string)row[0], (string)row[1])).Where(r => r.Item1 == "README.md").Select(r => r.Item2).ToList();

        readme.ShouldContain(c => c.StartsWith("dotnet run --project src/GenPipe.Cli -c Release -- run pipelines/digits-text.json --set prompt=", StringComparison.Ordinal));
        readme.ShouldContain(c => c.StartsWith("dotnet run --project src/GenPipe.Cli -c Release -- run pipelines/gaussian-mixture.json", StringComparison.Ordinal));
        readme.ShouldContain(c => c.StartsWith("dotnet run --project samples/GenPipe.Samples.Embedding", StringComparison.Ordinal));
        readme.Count.ShouldBeGreaterThan(10);
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task Documented_command_runs_as_shown(string file, string command)
    {
        var start = new ProcessStartInfo("bash")
        {
            WorkingDirectory = Repository.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"genpipe() {{ \"$GENPIPE_EXECUTABLE\" \"$@\"; }}\n{command}");
        start.Environment["GENPIPE_EXECUTABLE"] = RealProcess.Executable;

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        await process.WaitForExitAsync(timeout.Token);
        var result = new CliResult(process.ExitCode, await output, await error);

        result.ExitCode.ShouldBe(0, $"{file}: {command}\n{result}");
        (result.Output + result.Error).ShouldNotContain("Unhandled exception", Case.Insensitive, $"{file}: {command}\n{result}");
        StackTraces.In(result.Output + result.Error).ShouldBeFalse($"{file}: {command}\n{result}");
    }

    /// <summary>The commands of fenced shell blocks that start with genpipe or dotnet run (comments are bash's).</summary>
    private static IEnumerable<string> ShellCommands(string[] lines) =>
        MarkdownDocs.Fenced(lines)
            .Where(block => MarkdownDocs.IsShell(block.Language))
            .SelectMany(block => MarkdownDocs.ShellCommands(block.Body))
            .Where(line => line.StartsWith("genpipe ", StringComparison.Ordinal) || line == "genpipe" || line.StartsWith("dotnet run ", StringComparison.Ordinal));
}
