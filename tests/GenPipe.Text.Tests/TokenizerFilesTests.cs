using Shouldly;
using Xunit;

namespace GenPipe.Text.Tests;

/// <summary>Which tokenizer a folder holds, and what a folder without one says.</summary>
public sealed class TokenizerFilesTests
{
    [Fact]
    public void Merges_with_end_of_word_suffix_are_clip_and_without_it_gpt2()
    {
        TokenizerFiles.Load(ClipCases.FixtureFolder).ShouldBeOfType<ClipTokenizer>().VocabularySize.ShouldBe(49408);
        var gpt2 = TokenizerFiles.Load(Path.Combine(AppContext.BaseDirectory, "Refs", "bpe")).ShouldBeOfType<ByteLevelBpeTokenizer>();
        gpt2.MergeCount.ShouldBe(37);
    }

    [Fact]
    public void A_vocabulary_alone_is_characters_with_symbols_for_ids()
    {
        using var folder = new TempFolder();
        File.WriteAllText(Path.Combine(folder.Path, "vocab.json"), """["\n", " ", "a", "é"]""");

        var characters = TokenizerFiles.Load(folder.Path).ShouldBeOfType<CharacterTokenizer>();

        characters.IdToToken(3).ShouldBe("é");
        characters.TokenToId("a").ShouldBe(2);
        characters.TokenToId("ab").ShouldBeNull();
        characters.TokenToId("z").ShouldBeNull();
    }

    [Fact]
    public void A_missing_folder_or_vocabulary_names_what_to_give()
    {
        string nowhere = Path.Combine(Path.GetTempPath(), "genpipe-no-such-tokenizer");
        Should.Throw<DirectoryNotFoundException>(() => TokenizerFiles.Load(nowhere)).Message
            .ShouldBe($"{nowhere}: no such folder. Name the folder that holds the tokenizer: vocab.json + merges.txt (byte-level BPE: GPT-2's, or CLIP's when its merges end words with </w>) or vocab.json alone (characters).");

        using var folder = new TempFolder();
        var missing = Should.Throw<FileNotFoundException>(() => TokenizerFiles.Load(folder.Path));
        missing.FileName.ShouldBe(Path.Combine(folder.Path, "vocab.json"));
        missing.Message.ShouldStartWith($"{folder.Path}: no vocab.json. A model folder needs its tokenizer: vocab.json + merges.txt");
    }

    [Fact]
    public void Clip_merges_whose_symbols_are_not_in_the_vocabulary_are_refused_naming_the_files()
    {
        using var folder = new TempFolder();
        File.WriteAllText(Path.Combine(folder.Path, "vocab.json"), """{"a": 0, "a</w>": 1, "<|startoftext|>": 2, "<|endoftext|>": 3}""");
        File.WriteAllText(Path.Combine(folder.Path, "merges.txt"), "#version: 0.2\na b</w>\n");

        Should.Throw<InvalidDataException>(() => TokenizerFiles.Load(folder.Path)).Message
            .ShouldStartWith($"{folder.Path}: The merges (merges.txt) do not fit the vocabulary (vocab.json): ");
    }

    private sealed class TempFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("genpipe-tokenizer-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
