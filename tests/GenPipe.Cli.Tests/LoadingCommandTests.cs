using System.Text;
using Shouldly;

namespace GenPipe.Cli.Tests;

/// <summary>What the commands say about files they cannot read, settings typos, devices that do not exist, and a cancelled load.</summary>
public sealed class LoadingCommandTests
{
    private static readonly string Pipeline = CliRunner.TestData("pipelines", "gaussian-mixture.json");

    [Fact]
    public async Task A_folder_or_a_file_that_is_not_utf8_exits_2_naming_the_file()
    {
        using var temp = new TempFolder();
        var folder = await CliRunner.RunAsync("validate", temp.Path);
        folder.ExitCode.ShouldBe(2, folder.ToString());
        folder.Error.ShouldContain($"'{temp.Path}' is a folder, not a pipeline file; name the .json file itself");

        string latin1 = temp.Combine("latin1.json");
        await File.WriteAllBytesAsync(latin1, [.. "{ \"name\": \"caf"u8, 0xE9, .. "\", \"steps\": [] }"u8]);
        var bytes = await CliRunner.RunAsync("validate", latin1);
        bytes.ExitCode.ShouldBe(2, bytes.ToString());
        bytes.Error.ShouldContain($"{latin1}(1,15): error at $: the pipeline file '{latin1}' is not UTF-8 text: byte 0xE9 at offset 14 (line 1, column 15)");
        bytes.Error.ShouldNotContain("   at ");
    }

    [Fact]
    public async Task A_device_that_does_not_exist_exits_2_listing_the_devices()
    {
        var result = await CliRunner.RunAsync("validate", Pipeline, "--device", "cuda");

        result.ExitCode.ShouldBe(2, result.ToString());
        result.Output.ShouldBeEmpty();
        result.Error.ShouldBe(
            "error: Device 'cuda' (--device or the DefaultDevice setting) does not exist here; the devices are: cpu. " +
            "Another device arrives with a plugin that provides its backend." + Environment.NewLine);
        (await CliRunner.RunAsync("validate", Pipeline, "--device", "cpu")).ExitCode.ShouldBe(0);
    }

    [Fact]
    public async Task A_settings_typo_is_warned_about_once_and_the_command_still_runs()
    {
        using var temp = new TempFolder();
        string settings = temp.Combine("genpipe.json");
        await File.WriteAllTextAsync(settings, """{ "MemoryBudjet": "1GB" }""");

        var result = await CliRunner.RunAsync("validate", Pipeline, "--settings", settings);

        result.ExitCode.ShouldBe(0, result.ToString());
        string warning = $"warning: {settings}: unknown setting 'MemoryBudjet' is ignored; did you mean 'MemoryBudget'?";
        result.Error.ShouldContain(warning);
        result.Error.Split(warning).Length.ShouldBe(2, "printed once");
    }

    [Fact]
    public async Task A_cancelled_load_says_so_and_exits_1()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        using var output = new StringWriter();
        using var error = new StringWriter();

        int code = await GenPipeCli.InvokeAsync(["validate", Pipeline], output, error, cancelled.Token);

        code.ShouldBe(ExitCodes.Failure, error.ToString());
        output.ToString().ShouldBeEmpty();
        error.ToString().ShouldContain("cancelled:");
    }
}
