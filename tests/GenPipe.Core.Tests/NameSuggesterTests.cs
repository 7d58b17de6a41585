using GenPipe.Core.Text;
using Shouldly;
using Xunit;

namespace GenPipe.Core.Tests;

public sealed class NameSuggesterTests
{
    [Theory]
    [InlineData("", "", 0)]
    [InlineData("ddim", "ddim", 0)]
    [InlineData("ddmi", "ddim", 1)]        // one swap of adjacent characters
    [InlineData("difuse", "diffuse", 1)]   // one insertion
    [InlineData("kitten", "sitting", 3)]   // the textbook Levenshtein example
    [InlineData("ca", "abc", 3)]           // optimal string alignment: no edits inside a swapped pair
    public void Distance_counts_single_edits(string a, string b, int expected) =>
        NameSuggester.Distance(a, b).ShouldBe(expected);

    [Theory]
    [InlineData("difuse", "diffuse")]
    [InlineData("DIFFUSE", "diffuse")]
    [InlineData("ddmi", "scheduler/ddim")] // a swap in an id's last segment
    [InlineData("ddim", "scheduler/ddim")] // an id's last segment
    public void Suggests_plausible_typos(string input, string expected) =>
        NameSuggester.Suggest(input, ["diffuse", "decode", "save", "scheduler/ddim", "scheduler/euler"]).ShouldBe(expected);

    [Fact]
    public void Suggests_nothing_for_unrelated_names() =>
        NameSuggester.Suggest("banana", ["diffuse", "decode", "save"]).ShouldBeNull();
}
