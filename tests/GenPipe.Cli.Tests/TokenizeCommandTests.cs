using System.Text.Json;
using Shouldly;

namespace GenPipe.Cli.Tests;

/// <summary>
/// <c>genpipe tokenize</c> on SD 1.x's CLIP vocabulary (tests/Fixtures/clip-tokenizer, copied beside the tests) and on
/// the shipped character model; a folder without a tokenizer exits 2 with the folder, the file and the fix.
/// </summary>
public sealed class TokenizeCommandTests
{
    private static readonly string Clip = CliRunner.TestData("Fixtures", "clip-tokenizer");

    [Fact]
    public async Task Prints_each_clip_token_and_the_text_encoders_input_ids()
    {
        var result = await CliRunner.RunAsync("tokenize", "--tokenizer", Clip, "A photograph of an astronaut riding a horse", "--input-ids");

        result.ExitCode.ShouldBe(0, result.ToString());
        var reference = ReferenceCase("A photograph of an astronaut riding a horse");
        var lines = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines[..^1].ShouldBe(reference.Ids.Zip(reference.Tokens, (id, token) => $"{id}\t{token}").ToArray());
        lines[^1].ShouldBe("input_ids (77): " + string.Join(' ', reference.InputIds));
        lines[^1].ShouldStartWith("input_ids (77): 49406 320 8853 539 550 18376 6765 320 4558 49407 49407");
        result.Error.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_character_vocabulary_prints_characters_with_control_characters_escaped()
    {
        var result = await CliRunner.RunAsync("tokenize", "--tokenizer", CliRunner.TestData("models", "fortune"), "Hi\nyou");

        result.ExitCode.ShouldBe(0, result.ToString());
        var symbols = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t')[1]);
        symbols.ShouldBe(["H", "i", "\\n", "y", "o", "u"]);
    }

    [Fact]
    public async Task A_missing_folder_exits_2_naming_it_and_what_it_needs()
    {
        string nowhere = Path.Combine(Path.GetTempPath(), "genpipe-no-such-tokenizer-folder");

        var result = await CliRunner.RunAsync("tokenize", "--tokenizer", nowhere, "a cat");

        result.ExitCode.ShouldBe(2, result.ToString());
        result.Output.ShouldBeEmpty();
        result.Error.ShouldStartWith($"error: {nowhere}: no such folder. Name the folder that holds the tokenizer: vocab.json + merges.txt");
        StackTraces.In(result.Error).ShouldBeFalse();
    }

    [Fact]
    public async Task A_folder_without_a_vocabulary_or_with_a_broken_one_exits_2_naming_the_file()
    {
        string folder = Directory.CreateTempSubdirectory("genpipe-tokenize-").FullName;
        try
        {
            var missing = await CliRunner.RunAsync("tokenize", "--tokenizer", folder, "a cat");
            missing.ExitCode.ShouldBe(2, missing.ToString());
            missing.Error.ShouldStartWith($"error: {folder}: no vocab.json.");

            File.WriteAllText(Path.Combine(folder, "vocab.json"), "{\"a\": \"one\"}");
            File.WriteAllText(Path.Combine(folder, "merges.txt"), "#version: 0.2\n");
            var broken = await CliRunner.RunAsync("tokenize", "--tokenizer", folder, "a cat");
            broken.ExitCode.ShouldBe(2, broken.ToString());
            broken.Error.ShouldStartWith($"error: {Path.Combine(folder, "vocab.json")}: $[\"a\"] must be a non-negative integer id");
            StackTraces.In(broken.Error).ShouldBeFalse();
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Input_ids_need_a_clip_tokenizer()
    {
        var result = await CliRunner.RunAsync("tokenize", "--tokenizer", CliRunner.TestData("models", "fortune"), "hi", "--input-ids");

        result.ExitCode.ShouldBe(2, result.ToString());
        result.Error.ShouldContain("--input-ids needs CLIP's tokenizer");
        result.Error.ShouldContain("holds a character vocabulary");
    }

    [Fact]
    public async Task The_real_process_runs_it_too()
    {
        var result = await RealProcess.RunAsync(Path.GetTempPath(), false, "tokenize", "--tokenizer", Clip, "numbers 1234");

        result.ExitCode.ShouldBe(0, result.ToString());
        result.Output.ShouldBe("6121\tnumbers</w>\n272\t1</w>\n273\t2</w>\n274\t3</w>\n275\t4</w>\n");
    }

    private static (int[] Ids, string[] Tokens, int[] InputIds) ReferenceCase(string text)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(Clip, "cases.json")));
        var found = document.RootElement.GetProperty("cases").EnumerateArray().Single(c => c.GetProperty("text").GetString() == text);
        return (
            found.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
            found.GetProperty("tokens").EnumerateArray().Select(e => e.GetString()!).ToArray(),
            found.GetProperty("input_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray());
    }
}
