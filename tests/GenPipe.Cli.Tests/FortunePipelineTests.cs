using Shouldly;

namespace GenPipe.Cli.Tests;

/// <summary>pipelines/fortune.json from the command line: streamed text, the file it writes, speculative decoding, errors.</summary>
public sealed class FortunePipelineTests
{
    private static readonly string Pipeline = CliRunner.TestData("pipelines", "fortune.json");

    [Fact]
    public async Task Run_streams_the_text_to_stdout_and_writes_it_to_a_file()
    {
        using var temp = new TempFolder();

        var result = await CliRunner.RunAsync("run", Pipeline, "--set", "prompt=The ", "--set", "max_tokens=60", "--set", "count=2", "--set", "seed=5", "--out", temp.Combine("out"));

        result.ExitCode.ShouldBe(0, result.ToString());
        string file = File.ReadAllText(temp.Combine("out", "fortune.txt"));
        string[] sequences = file.Split("%\n");
        sequences.Length.ShouldBe(2, file);
        foreach (string sequence in sequences)
        {
            sequence.ShouldStartWith("The ");
            string continuation = sequence["The ".Length..].TrimEnd('\n');
            continuation.Length.ShouldBeGreaterThan(0);
            result.Output.ShouldContain(continuation, Case.Sensitive, "each sequence was printed on stdout");
        }

        result.Output.ShouldStartWith("The ", Case.Sensitive, "the streamed text shows the prompt it continues");
        result.Output.ShouldContain("\n\nThe ", Case.Sensitive, "the second sequence starts with the prompt too");
        result.Output.ShouldContain("output text: 2 sequence(s)");
        result.Error.ShouldContain("[1/2] text started");
    }

    [Fact]
    public async Task Speculative_greedy_decoding_prints_the_same_text_as_plain_greedy()
    {
        using var temp = new TempFolder();
        string[] common = ["run", Pipeline, "--set", "components.sampler.type=sampler/transformers", "--set", "prompt=A fool ", "--set", "max_tokens=80", "--quiet"];

        var plain = await CliRunner.RunAsync([.. common, "--out", temp.Combine("plain")]);
        var speculative = await CliRunner.RunAsync([.. common, "--set", "steps.text.with.draft=draft", "--out", temp.Combine("speculative")]);

        plain.ExitCode.ShouldBe(0, plain.ToString());
        speculative.ExitCode.ShouldBe(0, speculative.ToString());
        File.ReadAllText(temp.Combine("speculative", "fortune.txt")).ShouldBe(File.ReadAllText(temp.Combine("plain", "fortune.txt")));
    }

    [Fact]
    public async Task Too_many_tokens_for_the_context_is_a_clear_error_and_writes_nothing()
    {
        using var temp = new TempFolder();

        var result = await CliRunner.RunAsync("run", Pipeline, "--set", "max_tokens=300", "--out", temp.Combine("out"), "--quiet");

        // The request itself is invalid (found when the model's context is known): invalid input, exit 2.
        result.ExitCode.ShouldBe(2, result.ToString());
        result.Error.ShouldContain("context of 256 positions");
        result.Error.ShouldContain("Lower max_new_tokens to 255");
        result.Error.ShouldNotContain("(Parameter", Case.Sensitive, "no .NET parameter name in what the user reads");
        Directory.Exists(temp.Combine("out")).ShouldBeFalse();
    }
}
