using Shouldly;

namespace GenPipe.Cli.Tests;

/// <summary>
/// Every invalid value is refused before any work: exit code 2, a message naming the override (or file), the JSON
/// path, the pipeline's parameter and the fix, no .NET text, and nothing written.
/// </summary>
public sealed class InvalidValueTests
{
    private static readonly string[] LeakedTexts =
    [
        "(Parameter '", "Actual value was", "Arithmetic operation resulted in an overflow", "Exception of type",
        "System.", ".genpipe-staging", "   at ",
    ];

    private static readonly string LongName = new('n', 300);

    public static TheoryData<string, string[], string[]> Cases() => new()
    {
        { "gaussian-mixture.json", ["--set", "steps=0"], ["--set steps=0", "$.parameters.steps.default", "parameter 'steps'", "must be at least 1, got 0; give 1 or more"] },
        { "gaussian-mixture.json", ["--set", "steps=-5"], ["--set steps=-5", "$.parameters.steps.default", "parameter 'steps'", "got -5; give 1 or more"] },
        { "gaussian-mixture.json", ["--set", "count=0"], ["--set count=0", "$.parameters.count.default", "parameter 'count'", "must be at least 1, got 0; give 1 or more"] },
        { "gaussian-mixture.json", ["--set", "steps=1001"], ["--set steps=1001", "parameter 'steps'", "must be at most 1000, the scheduler's num_train_timesteps, got 1001; give a value from 1 to 1000"] },
        { "gaussian-mixture.json", ["--set", "name=../x"], ["--set name=../x", "$.parameters.name.default", "parameter 'name'", "must be a plain file name", "give a plain name"] },
        { "gaussian-mixture.json", ["--set", "name=" + LongName], ["$.parameters.name.default", "parameter 'name'", "is 300 bytes long", "give a shorter name"] },
        { "gaussian-mixture.json", ["--set", "components.scheduler.options.eta=5"], ["--set components.scheduler.options.eta=5", "$.components.scheduler.options.eta", "option 'eta' must be from 0 to 1, got 5"] },
        { "gaussian-mixture.json", ["--set", "components.scheduler.options.eta=1e400"], ["--set components.scheduler.options.eta=1e400", "$.components.scheduler.options.eta", "got infinity; give a finite value"] },
        { "gaussian-mixture.json", ["--memory-budget", "64MB", "--set", "count=10000000"], ["--set count=10000000", "parameter 'count'", "is 10000000, which needs at least 228.9 MiB", "more than the memory budget", "64 MiB", "lower 'count'"] },
        { "gaussian-mixture.json", ["--set", "count=2147483647"], ["--set count=2147483647", "parameter 'count'", "more than one tensor holds", "give at most 1073741795"] },
        { "fortune.json", ["--set", "max_tokens=0"], ["--set max_tokens=0", "$.parameters.max_tokens.default", "parameter 'max_tokens' (input 'max_new_tokens' of step 'text')", "give 1 or more"] },
        { "fortune.json", ["--set", "count=0"], ["--set count=0", "parameter 'count'", "give 1 or more"] },
        { "fortune.json", ["--set", "count=2147483647"], ["--set count=2147483647", "parameter 'count'", "needs at least 2.3 TiB", "lower 'count'"] },
        { "fortune.json", ["--set", "name=../x"], ["--set name=../x", "parameter 'name'", "must be a plain file name"] },
        { "fortune.json", ["--set", "components.sampler.options.temperature=1e400"], ["$.components.sampler.options.temperature", "got infinity"] },
        { "fortune.json", ["--memory-budget", "4MB"], ["$.steps[0].with", "step 'text' uses components that need about 14.1 MiB at once ('model' (model/gpt2) 14.1 MiB)", "the memory budget (setting MemoryBudget, --memory-budget), 4 MiB", "raise the budget"] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Run_refuses_the_value_before_any_work(string pipeline, string[] arguments, string[] expected)
    {
        using var temp = new TempFolder();
        string outDir = temp.Combine("out");

        var result = await CliRunner.RunAsync(["run", CliRunner.TestData("pipelines", pipeline), .. arguments, "--out", outDir, "--quiet"]);

        result.ExitCode.ShouldBe(2, result.ToString());
        result.Error.ShouldContain("nothing was run", Case.Sensitive, result.ToString());
        foreach (string text in expected)
        {
            result.Error.ShouldContain(text, Case.Sensitive, result.ToString());
        }

        foreach (string leaked in LeakedTexts)
        {
            result.Error.ShouldNotContain(leaked, Case.Sensitive, result.ToString());
        }

        result.Output.ShouldBeEmpty(result.ToString());
        Directory.Exists(outDir).ShouldBeFalse("an invalid value must write nothing");
        Directory.GetFileSystemEntries(temp.Path).ShouldBeEmpty();
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Validate_refuses_the_value(string pipeline, string[] arguments, string[] expected)
    {
        var result = await CliRunner.RunAsync(["validate", CliRunner.TestData("pipelines", pipeline), .. arguments]);

        result.ExitCode.ShouldBe(2, result.ToString());
        result.Error.ShouldContain(expected[^1], Case.Sensitive, result.ToString());
    }

    [Fact]
    public async Task Run_refuses_an_out_folder_that_is_a_file_before_running()
    {
        using var temp = new TempFolder();
        string file = temp.Combine("taken");
        await File.WriteAllTextAsync(file, "keep me");

        var result = await CliRunner.RunAsync("run", CliRunner.TestData("pipelines", "gaussian-mixture.json"), "--set", "count=4", "--set", "steps=2", "--out", file, "--quiet");

        result.ExitCode.ShouldBe(2, result.ToString());
        result.Error.ShouldContain("--out ", Case.Sensitive, result.ToString());
        result.Error.ShouldContain("is a file, not a folder", Case.Sensitive, result.ToString());
        result.Error.ShouldContain("Nothing was run.", Case.Sensitive, result.ToString());
        result.Output.ShouldNotContain("done", Case.Sensitive, "the run must not start");
        (await File.ReadAllTextAsync(file)).ShouldBe("keep me");
        Directory.GetFileSystemEntries(temp.Path).ShouldBe([file]);
    }

    [Fact]
    public async Task A_scheduler_with_another_noise_schedule_than_the_denoiser_is_warned_about()
    {
        var result = await CliRunner.RunAsync("validate", CliRunner.TestData("pipelines", "gaussian-mixture.json"), "--set", "components.scheduler.options.beta_end=0.012");

        result.ExitCode.ShouldBe(0, result.ToString());
        result.Error.ShouldContain("warning at $.steps[0].with.scheduler", Case.Sensitive, result.ToString());
        result.Error.ShouldContain("beta_end=0.02) but the scheduler uses (", Case.Sensitive, result.ToString());
    }

    [Fact]
    public async Task Describe_shows_ranges_and_descriptions()
    {
        var options = await CliRunner.RunAsync("describe", "scheduler/ddim");
        var inputs = await CliRunner.RunAsync("describe", "diffuse");

        options.ExitCode.ShouldBe(0, options.ToString());
        options.Output.ShouldContain("accepts");
        options.Output.ShouldContain("from 0 to 1");
        options.Output.ShouldContain("The weight of the stochastic term");
        inputs.Output.ShouldContain("at least 1");
    }
}
