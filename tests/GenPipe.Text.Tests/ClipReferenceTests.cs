using Shouldly;
using Xunit;

namespace GenPipe.Text.Tests;

/// <summary>Every reference case: the ids of the text and Stable Diffusion's 77 input ids, exactly.</summary>
public sealed class ClipReferenceTests
{
    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        foreach (string file in ClipCases.Files())
        {
            // A file that cannot be read still gets a row, whose test then fails with the reason.
            int count = File.Exists(file) ? SafeCount(file) : 0;
            for (int i = 0; i < Math.Max(count, 1); i++)
            {
                data.Add(file, count == 0 ? -1 : i);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_the_reference(string file, int index)
    {
        File.Exists(file).ShouldBeTrue($"{file}: no such case file ({ClipCases.RefsVariable} names a folder of case files).");
        var cases = ClipCases.Read(file);
        index.ShouldBeGreaterThanOrEqualTo(0, $"{file} holds no cases.");
        var expected = cases[index];
        var tokenizer = ClipCases.Tokenizer;

        var ids = tokenizer.Encode(expected.Text);

        ids.Select(tokenizer.IdToToken).ShouldBe(expected.Tokens, $"{file} case {index}: {expected.Text}");
        ids.ShouldBe(expected.Ids);
        tokenizer.EncodeForTextEncoder(expected.Text).ShouldBe(expected.InputIds);
    }

    [Fact]
    public void The_cases_in_the_repository_are_all_read()
    {
        ClipCases.Read(Path.Combine(ClipCases.FixtureFolder, "cases.json")).Count.ShouldBe(16);
        Cases().Count.ShouldBeGreaterThanOrEqualTo(16 + 28);
    }

    private static int SafeCount(string file)
    {
        try
        {
            return ClipCases.Read(file).Count;
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return 0;
        }
    }
}
