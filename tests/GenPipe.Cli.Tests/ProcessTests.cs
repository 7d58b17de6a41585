using System.Diagnostics;
using Shouldly;

namespace GenPipe.Cli.Tests;

/// <summary>The real <c>genpipe</c> process: exit codes and streams as a shell sees them.</summary>
public sealed class ProcessTests
{
    [Fact]
    public async Task Invalid_pipeline_exits_2_with_message_on_stderr_only()
    {
        var result = await RunProcessAsync("validate", CliRunner.TestData("Broken", "unknown-operator.json"));

        result.ExitCode.ShouldBe(2, result.ToString());
        result.Output.ShouldBeEmpty(result.ToString());
        result.Error.ShouldContain("$.steps[0].op");
        result.Error.ShouldContain("Did you mean 'diffuse'?");
    }

    [Fact]
    public async Task Valid_pipeline_exits_0()
    {
        var result = await RunProcessAsync("validate", CliRunner.TestData("pipelines", "gaussian-mixture.json"));

        result.ExitCode.ShouldBe(0, result.ToString());
        result.Output.ShouldContain("valid pipeline 'gaussian-mixture'");
    }

    [Fact]
    public async Task Bad_settings_value_exits_2_naming_the_setting_without_stack_trace()
    {
        using var temp = new TempFolder();
        string settings = temp.Combine("genpipe.json");
        await File.WriteAllTextAsync(settings, "{ \"MemoryBudget\": \"lots\" }");

        var plain = await RunProcessAsync("list", "--settings", settings);
        plain.ExitCode.ShouldBe(2, plain.ToString());
        plain.Error.ShouldContain("MemoryBudget");
        plain.Error.ShouldNotContain("   at ");
    }

    private static async Task<CliResult> RunProcessAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "genpipe.dll"));
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return new CliResult(process.ExitCode, await output, await error);
    }
}
