using System.Text.Json;
using GenPipe.Text;
using Shouldly;
using Xunit;


namespace GenPipe.Text.Tests;

/// <summary>
/// The byte-level BPE against an independent Python implementation (tools/fixtures/bpe_reference.py) on a small
/// hand-made vocabulary: ids 0..255 are the byte symbols in byte order, then one id per merge in merge order.
/// </summary>
public sealed class ByteLevelBpeTokenizerTests
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Refs", "bpe");

    public static IEnumerable<object[]> Cases()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "cases.json")));
        foreach (var item in document.RootElement.EnumerateArray())
        {
            yield return
            [
                item.GetProperty("text").GetString()!,
                item.GetProperty("pieces").EnumerateArray().Select(p => p.GetString()!).ToArray(),
                item.GetProperty("ids").EnumerateArray().Select(p => p.GetInt32()).ToArray(),
            ];
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Encodes_as_the_python_reference_and_decodes_back(string text, string[] pieces, int[] ids)
    {
        var tokenizer = Load();
        ByteLevelBpeTokenizer.PreTokenize(text).ShouldBe(pieces);
        tokenizer.Encode(text).ShouldBe(ids);
        tokenizer.Decode(ids.AsSpan()).ShouldBe(text);
    }

    [Fact]
    public void Hello_world_merges_by_rank_as_derived_by_hand()
    {
        // "hello": h e (rank 1) beats l l (rank 8), so "e ll" (rank 14) never applies: he, ll, o.
        // " world": Ġ w (9), o r (10), Ġw or (11), Ġwor l (12), Ġworl d (13) -> Ġworld.
        var tokenizer = Load();
        tokenizer.Encode("hello world").ShouldBe([Id(tokenizer, "he"), Id(tokenizer, "ll"), 'o', Id(tokenizer, "Ġworld")]);
        tokenizer.TokenToId("he").ShouldBe(257);
        tokenizer.TokenToId("Ġworld").ShouldBe(269);
        tokenizer.IdToToken(32).ShouldBe("Ġ");
        tokenizer.IdToToken(10).ShouldBe("Ċ");
        tokenizer.VocabularySize.ShouldBe(256 + 37);
        tokenizer.MergeCount.ShouldBe(37);
    }

    [Fact]
    public void Special_tokens_are_matched_whole_and_other_text_round_trips()
    {
        var vocab = ByteLevelBpeTokenizer.ReadVocabulary(File.ReadAllText(Path.Combine(Folder, "vocab.json")));
        vocab["<|endoftext|>"] = vocab.Count;
        var merges = ByteLevelBpeTokenizer.ReadMerges(File.ReadAllLines(Path.Combine(Folder, "merges.txt")));
        var tokenizer = new ByteLevelBpeTokenizer(vocab, merges, ["<|endoftext|>"]);
        int eot = vocab["<|endoftext|>"];
        var ids = tokenizer.Encode("hello<|endoftext|> world");
        ids.ShouldBe([257, 264, 111, eot, 269]);
        tokenizer.Decode(ids.ToArray()).ShouldBe("hello<|endoftext|> world");

        string odd = "mixed ÄÖÜ ß € \u0001\u007f 𝄞 — end";
        tokenizer.Decode(tokenizer.Encode(odd).ToArray()).ShouldBe(odd);
    }

    [Fact]
    public void Malformed_files_are_named_with_the_line_or_json_path()
    {
        Should.Throw<InvalidDataException>(() => ByteLevelBpeTokenizer.ReadMerges(["#version: 0.2", "a b", "abc"], "m.txt"))
            .Message.ShouldBe("m.txt line 3: expected two symbols separated by one space; got \"abc\".");
        Should.Throw<InvalidDataException>(() => ByteLevelBpeTokenizer.ReadVocabulary("""{"a": 0, "b": "one"}""", "v.json"))
            .Message.ShouldContain("v.json: $[\"b\"]");
        Should.Throw<InvalidDataException>(() => ByteLevelBpeTokenizer.ReadVocabulary("[1, 2]", "v.json")).Message.ShouldContain("object");
        Should.Throw<ArgumentOutOfRangeException>(() => Load().Decode([9999]));
    }

    private static int Id(ByteLevelBpeTokenizer tokenizer, string token) => tokenizer.TokenToId(token) ?? throw new KeyNotFoundException(token);

    private static ByteLevelBpeTokenizer Load() =>
        ByteLevelBpeTokenizer.FromFiles(Path.Combine(Folder, "vocab.json"), Path.Combine(Folder, "merges.txt"));
}
