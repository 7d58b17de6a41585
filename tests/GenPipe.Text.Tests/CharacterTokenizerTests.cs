using GenPipe.Text;
using Shouldly;
using Xunit;


namespace GenPipe.Text.Tests;

/// <summary>The character-level tokenizer on hand-made vocabularies.</summary>
public sealed class CharacterTokenizerTests
{
    [Fact]
    public void A_list_vocabulary_numbers_characters_by_position()
    {
        var tokenizer = CharacterTokenizer.Parse("""["\n", " ", "a", "b", "c", "é", "🙂"]""");
        tokenizer.VocabularySize.ShouldBe(7);
        tokenizer.Encode("abc cab\né🙂").ShouldBe([2, 3, 4, 1, 4, 2, 3, 0, 5, 6]);
        tokenizer.Decode([6, 1, 5, 0]).ShouldBe("🙂 é\n");
    }

    [Fact]
    public void An_object_vocabulary_keeps_its_ids_and_maps_unknown_characters()
    {
        var tokenizer = CharacterTokenizer.Parse("""{"?": 0, "x": 3, "y": 1, "z": 2}""", unknownToken: "?");
        tokenizer.VocabularySize.ShouldBe(4);
        tokenizer.Encode("xyzw").ShouldBe([3, 1, 2, 0]);
        tokenizer.Decode([2, 3]).ShouldBe("zx");
    }

    [Fact]
    public void Unknown_characters_without_an_unknown_token_and_bad_files_throw_with_their_location()
    {
        var tokenizer = CharacterTokenizer.Parse("""["a", "b"]""");
        Should.Throw<ArgumentException>(() => tokenizer.Encode("abq")).Message.ShouldContain("'q' (U+0071) at position 2");
        Should.Throw<ArgumentOutOfRangeException>(() => tokenizer.Decode([2]));
        Should.Throw<InvalidDataException>(() => CharacterTokenizer.Parse("""["a", "bc"]""", source: "chars.json")).Message.ShouldContain("chars.json: $[1]");
        Should.Throw<InvalidDataException>(() => CharacterTokenizer.Parse("""["a", "a"]""")).Message.ShouldContain("twice");
        Should.Throw<InvalidDataException>(() => CharacterTokenizer.Parse("""{"a": 0, "b": 0}""")).Message.ShouldContain("used twice");
        Should.Throw<InvalidDataException>(() => CharacterTokenizer.Parse("""{"a": 0}""", unknownToken: "?")).Message.ShouldContain("unknown token");
    }
}
