using System.Text.Json;
using Shouldly;

namespace GenPipe.Cli.Tests;

/// <summary>Each broken pipeline is refused with exit code 2, a message naming the JSON path, and nothing written.</summary>
public sealed class BrokenPipelineTests
{
    public static TheoryData<string, string, string> Cases()
    {
        var data = new TheoryData<string, string, string>();
        using var doc = JsonDocument.Parse(File.ReadAllText(CliRunner.TestData("Broken", "cases.json")));
        foreach (var c in doc.RootElement.EnumerateArray())
        {
            data.Add(c.GetProperty("file").GetString()!, c.GetProperty("path").GetString()!, c.GetProperty("text").GetString()!);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Run_refuses_broken_pipeline_and_writes_nothing(string file, string jsonPath, string expectedText)
    {
        using var temp = new TempFolder();
        string outDir = temp.Combine("out");

        var result = await CliRunner.RunAsync("run", CliRunner.TestData("Broken", file), "--out", outDir);

        result.ExitCode.ShouldBe(2, result.ToString());
        result.Error.ShouldContain(file, Case.Sensitive, result.ToString());
        result.Error.ShouldContain(jsonPath, Case.Sensitive, result.ToString());
        result.Error.ShouldContain(expectedText, Case.Insensitive, result.ToString());
        result.Error.ShouldNotContain("   at ", Case.Sensitive, "no stack trace without --verbose");
        Directory.Exists(outDir).ShouldBeFalse("an invalid pipeline must write nothing");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Validate_refuses_broken_pipeline(string file, string jsonPath, string expectedText)
    {
        _ = expectedText;
        var result = await CliRunner.RunAsync("validate", CliRunner.TestData("Broken", file));

        result.ExitCode.ShouldBe(2, result.ToString());
        result.Error.ShouldContain(jsonPath, Case.Sensitive, result.ToString());
    }

    [Fact]
    public async Task Missing_pipeline_file_is_invalid_input()
    {
        var result = await CliRunner.RunAsync("validate", CliRunner.TestData("Broken", "does-not-exist.json"));

        result.ExitCode.ShouldBe(2, result.ToString());
        result.Error.ShouldContain("does-not-exist.json");
    }

    [Fact]
    public async Task Unknown_override_is_invalid_input_with_suggestion()
    {
        var result = await CliRunner.RunAsync("validate", CliRunner.TestData("pipelines", "gaussian-mixture.json"), "--set", "stesp=4");

        result.ExitCode.ShouldBe(2, result.ToString());
        result.Error.ShouldContain("stesp");
        result.Error.ShouldContain("steps");
    }

    [Fact]
    public async Task Mistyped_override_is_invalid_input()
    {
        var result = await CliRunner.RunAsync("validate", CliRunner.TestData("pipelines", "gaussian-mixture.json"), "--set", "steps=many");

        result.ExitCode.ShouldBe(2, result.ToString());
        result.Error.ShouldContain("--set steps=many");
    }

    [Fact]
    public async Task Bad_arguments_are_invalid_input()
    {
        var result = await CliRunner.RunAsync("run");

        result.ExitCode.ShouldBe(2, result.ToString());
    }
}
