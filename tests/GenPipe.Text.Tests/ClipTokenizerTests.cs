using Shouldly;
using Xunit;

namespace GenPipe.Text.Tests;

/// <summary>
/// The CLIP tokenizer on SD 1.x's vocabulary (tests/Fixtures/clip-tokenizer): the edge cases the issue names, the
/// text encoder input, the SD 2.x pad token and the folder's errors. Expected ids are the reference's
/// (tools/fixtures/make_clip_cases.py prints them for any text).
/// </summary>
public sealed class ClipTokenizerTests
{
    private const int Bos = 49406, Eos = 49407;

    private static ClipTokenizer Tokenizer => ClipCases.Tokenizer;

    [Fact]
    public void The_folder_is_read_as_clip_with_sd1_settings()
    {
        TokenizerFiles.Load(ClipCases.FixtureFolder).ShouldBeOfType<ClipTokenizer>();
        Tokenizer.VocabularySize.ShouldBe(49408);
        Tokenizer.StartOfTextId.ShouldBe(Bos);
        Tokenizer.EndOfTextId.ShouldBe(Eos);
        Tokenizer.PadToken.ShouldBe("<|endoftext|>");
        Tokenizer.PadId.ShouldBe(Eos);
        Tokenizer.MaxLength.ShouldBe(77);
        Tokenizer.IdToToken(320).ShouldBe("a</w>");
        Tokenizer.TokenToId("photo</w>").ShouldBe(1125);
        Tokenizer.TokenToId("no such symbol").ShouldBeNull();
        Should.Throw<ArgumentOutOfRangeException>(() => Tokenizer.IdToToken(49408));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\t\n \u3000")]
    [InlineData("&nbsp;")]
    public void Empty_or_blank_text_is_bos_then_eos_padding(string text)
    {
        Tokenizer.Encode(text).ShouldBeEmpty();
        int[] input = Tokenizer.EncodeForTextEncoder(text);
        input.Length.ShouldBe(77);
        input[0].ShouldBe(Bos);
        input[1..].ShouldAllBe(id => id == Eos);
    }

    [Fact]
    public void More_than_75_tokens_keep_the_first_75_between_bos_and_eos()
    {
        string text = string.Join(", ", Enumerable.Repeat("a red fox", 30));
        var ids = Tokenizer.Encode(text);
        ids.Count.ShouldBe(119); // "a", "red", "fox" and "," 30 times, less the last ",".
        ids.Take(4).ShouldBe([320, 736, 3240, 267]);
        int[] input = Tokenizer.EncodeForTextEncoder(text);
        input.ShouldBe([Bos, .. ids.Take(75), Eos]);
        Tokenizer.EncodeForTextEncoder(text, 8).ShouldBe([Bos, 320, 736, 3240, 267, 320, 736, Eos]);
        Should.Throw<ArgumentOutOfRangeException>(() => Tokenizer.EncodeForTextEncoder(text, 1));
    }

    [Fact]
    public void Numbers_split_into_single_digits()
    {
        // "2</w>" 273, "0</w>" 271, "4</w>" 275: each digit is a piece of its own.
        Tokenizer.Encode("2024").ShouldBe([273, 271, 273, 275]);
        Tokenizer.Encode("2nd").Select(Tokenizer.IdToToken).ShouldBe(["2</w>", "nd</w>"]);
    }

    [Fact]
    public void Html_entities_unescape_twice_and_unicode_is_nfc()
    {
        Tokenizer.Encode("&amp;").ShouldBe([261]);
        Tokenizer.Encode("&amp;amp;").ShouldBe(Tokenizer.Encode("&"));
        Tokenizer.Encode("cafe\u0301").ShouldBe([15304]);
        Tokenizer.Encode("café").ShouldBe([15304]);
        Tokenizer.Encode("A Photo OF a CAT").ShouldBe([320, 1125, 539, 320, 2368]);
    }

    [Fact]
    public void Decoding_reads_each_end_of_word_as_a_space()
    {
        Tokenizer.Decode([320, 1125, 539, 320, 2368]).ShouldBe("a photo of a cat ");
        Tokenizer.Decode([Bos, 320, Eos]).ShouldBe("<|startoftext|>a <|endoftext|>");
        Tokenizer.Decode(Tokenizer.Encode("café 🐱 日本").ToArray()).ShouldBe("café 🐱 日本 ");
    }

    [Fact]
    public void Pieces_follow_clips_pattern_over_code_points()
    {
        ClipTokenizer.Clean("  A&amp;B\u00a0 ΟΔΟΣ  ").ShouldBe("a&b οδος");
        ClipTokenizer.PreTokenize("it's a𝐀b 𝟏𝟐 !<|endoftext|> 'ſ").ShouldBe(["it", "'s", "a𝐀b", "𝟏", "𝟐", "!<|", "endoftext", "|>", "'ſ"]);
    }

    [Fact]
    public void Sd2_pads_with_the_token_its_folder_names()
    {
        using var folder = new TokenizerFolder();
        File.WriteAllText(Path.Combine(folder.Path, "special_tokens_map.json"), """{"pad_token": "!", "eos_token": "<|endoftext|>"}""");
        File.WriteAllText(Path.Combine(folder.Path, "tokenizer_config.json"), """{"pad_token": {"__type": "AddedToken", "content": "<|endoftext|>"}, "model_max_length": 77}""");

        var sd2 = ClipTokenizer.Load(folder.Path);

        sd2.PadToken.ShouldBe("!");
        sd2.PadId.ShouldBe(0);
        sd2.EncodeForTextEncoder("a photo of a cat").ShouldBe([Bos, 320, 1125, 539, 320, 2368, Eos, .. Enumerable.Repeat(0, 70)]);
    }

    [Fact]
    public void Tokenizer_config_alone_sets_pad_and_length()
    {
        using var folder = new TokenizerFolder();
        File.WriteAllText(Path.Combine(folder.Path, "tokenizer_config.json"), """{"pad_token": {"content": "!", "lstrip": false}, "model_max_length": 10}""");

        var tokenizer = ClipTokenizer.Load(folder.Path);

        tokenizer.MaxLength.ShouldBe(10);
        tokenizer.EncodeForTextEncoder("a cat").ShouldBe([Bos, 320, 2368, Eos, 0, 0, 0, 0, 0, 0]);
    }

    [Fact]
    public void Missing_and_malformed_files_name_the_file_and_the_fix()
    {
        string nowhere = Path.Combine(Path.GetTempPath(), "genpipe-no-such-tokenizer");
        Should.Throw<DirectoryNotFoundException>(() => ClipTokenizer.Load(nowhere)).Message.ShouldStartWith($"{nowhere}: no such folder.");

        using var folder = new TokenizerFolder();
        File.WriteAllText(Path.Combine(folder.Path, "tokenizer_config.json"), """{"pad_token": "<|pad|>"}""");
        Should.Throw<InvalidDataException>(() => ClipTokenizer.Load(folder.Path)).Message
            .ShouldBe($"{Path.Combine(folder.Path, "tokenizer_config.json")}: $.pad_token \"<|pad|>\" is not in vocab.json. Name a token of the vocabulary (\"<|endoftext|>\" in SD 1.x, \"!\" in SD 2.x).");
        File.WriteAllText(Path.Combine(folder.Path, "tokenizer_config.json"), """{"pad_token": 7}""");
        Should.Throw<InvalidDataException>(() => ClipTokenizer.Load(folder.Path)).Message.ShouldContain("$.pad_token must be a token string");
        File.WriteAllText(Path.Combine(folder.Path, "tokenizer_config.json"), """{"model_max_length": 1}""");
        Should.Throw<InvalidDataException>(() => ClipTokenizer.Load(folder.Path)).Message.ShouldContain("$.model_max_length must be an integer of at least 2");
        File.WriteAllText(Path.Combine(folder.Path, "tokenizer_config.json"), "{ not json");
        Should.Throw<InvalidDataException>(() => ClipTokenizer.Load(folder.Path)).Message.ShouldStartWith($"{Path.Combine(folder.Path, "tokenizer_config.json")}: not valid JSON");

        File.Delete(Path.Combine(folder.Path, "merges.txt"));
        var missing = Should.Throw<FileNotFoundException>(() => ClipTokenizer.Load(folder.Path));
        missing.FileName.ShouldBe(Path.Combine(folder.Path, "merges.txt"));
        missing.Message.ShouldContain("vocab.json + merges.txt");
    }

    [Fact]
    public void A_vocabulary_without_the_special_tokens_is_refused()
    {
        var vocabulary = new Dictionary<string, int> { ["a"] = 0, ["a</w>"] = 1 };
        Should.Throw<ArgumentException>(() => new ClipTokenizer(vocabulary, [])).Message.ShouldBe("The vocabulary has no start-of-text token \"<|startoftext|>\". (Parameter 'vocabulary')");
    }

    [Fact]
    public void Concurrent_calls_give_the_reference_ids()
    {
        // A fresh tokenizer, so that its piece cache and the cleaning's tables fill while threads race.
        var tokenizer = ClipTokenizer.Load(ClipCases.FixtureFolder);
        var cases = ClipCases.Read(Path.Combine(AppContext.BaseDirectory, "Refs", "clip-hard-cases.json"));
        var wrong = new System.Collections.Concurrent.ConcurrentBag<string>();

        Parallel.For(0, cases.Count * 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var expected = cases[i % cases.Count];
            if (!tokenizer.EncodeForTextEncoder(expected.Text).SequenceEqual(expected.InputIds) || !tokenizer.Encode(expected.Text).SequenceEqual(expected.Ids))
            {
                wrong.Add(expected.Text);
            }
        });

        wrong.ShouldBeEmpty();
    }

    /// <summary>A temporary copy of the fixture's vocab.json and merges.txt, to add settings files to.</summary>
    private sealed class TokenizerFolder : IDisposable
    {
        public TokenizerFolder()
        {
            Path = Directory.CreateTempSubdirectory("genpipe-clip-").FullName;
            foreach (string name in new[] { "vocab.json", "merges.txt" })
            {
                File.Copy(System.IO.Path.Combine(ClipCases.FixtureFolder, name), System.IO.Path.Combine(Path, name));
            }
        }

        public string Path { get; }

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
