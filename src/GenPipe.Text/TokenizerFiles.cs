using System.Text.Json;
using GenPipe.Abstractions.Models;

namespace GenPipe.Text;

/// <summary>Finds the tokenizer a model folder holds, the way Hugging Face folders lay it out.</summary>
public static class TokenizerFiles
{
    /// <summary>What every tokenizer folder needs, for error messages.</summary>
    private const string Layouts =
        "vocab.json + merges.txt (byte-level BPE: GPT-2's, or CLIP's when its merges end words with </w>) or vocab.json alone (characters)";

    /// <summary>
    /// <c>vocab.json</c> + <c>merges.txt</c> is a byte-level BPE: CLIP's (<see cref="ClipTokenizer"/>, read with
    /// <see cref="LoadClip"/>) when its merges use the end-of-word suffix <c>&lt;/w&gt;</c>, GPT-2's
    /// (<see cref="ByteLevelBpeTokenizer"/>) otherwise; a <c>vocab.json</c> alone is a character vocabulary (a JSON list
    /// of characters, or an object from character to id).
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">The folder has no <c>vocab.json</c>.</exception>
    /// <exception cref="InvalidDataException">A tokenizer file is malformed; the message names it.</exception>
    public static ITokenizer Load(string directory)
    {
        string vocab = RequireVocabulary(directory);
        string merges = Path.Combine(directory, "merges.txt");
        if (!File.Exists(merges))
        {
            return CharacterTokenizer.Load(vocab);
        }

        var vocabulary = ByteLevelBpeTokenizer.ReadVocabulary(File.ReadAllText(vocab), vocab);
        var rankedMerges = ByteLevelBpeTokenizer.ReadMerges(File.ReadLines(merges), merges);
        if (rankedMerges.Exists(m => m.Right.EndsWith("</w>", StringComparison.Ordinal)))
        {
            return CreateClip(directory, vocabulary, rankedMerges);
        }

        // GPT-2's end-of-text token is special (never split, never merged) when the vocabulary has it.
        const string EndOfText = "<|endoftext|>";
        return Create(vocab, () => new ByteLevelBpeTokenizer(vocabulary, rankedMerges, vocabulary.ContainsKey(EndOfText) ? [EndOfText] : []));
    }

    /// <summary>
    /// Reads CLIP's tokenizer from a folder laid out as a Stable Diffusion model's <c>tokenizer/</c>: <c>vocab.json</c>
    /// and <c>merges.txt</c>, and when present <c>special_tokens_map.json</c> and <c>tokenizer_config.json</c>, whose
    /// <c>pad_token</c> (the first file's over the second's, as Hugging Face reads them) pads the text encoder's input:
    /// <c>&lt;|endoftext|&gt;</c> in SD 1.x, <c>!</c> in SD 2.x; <c>tokenizer_config.json</c>'s <c>model_max_length</c>
    /// (77) is that input's length.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException"><c>vocab.json</c> or <c>merges.txt</c> is missing.</exception>
    /// <exception cref="InvalidDataException">A file is malformed or names a token the vocabulary lacks; the message names the file.</exception>
    public static ClipTokenizer LoadClip(string directory)
    {
        string vocab = RequireVocabulary(directory);
        string merges = Path.Combine(directory, "merges.txt");
        if (!File.Exists(merges))
        {
            throw new FileNotFoundException(
                $"{directory}: no merges.txt. CLIP's tokenizer is vocab.json + merges.txt, as in a Stable Diffusion model's tokenizer/ folder.",
                merges);
        }

        var vocabulary = ByteLevelBpeTokenizer.ReadVocabulary(File.ReadAllText(vocab), vocab);
        return CreateClip(directory, vocabulary, ByteLevelBpeTokenizer.ReadMerges(File.ReadLines(merges), merges));
    }

    private static string RequireVocabulary(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"{directory}: no such folder. Name the folder that holds the tokenizer: {Layouts}.");
        }

        string vocab = Path.Combine(directory, "vocab.json");
        return File.Exists(vocab)
            ? vocab
            : throw new FileNotFoundException($"{directory}: no vocab.json. A model folder needs its tokenizer: {Layouts}.", vocab);
    }

    private static ClipTokenizer CreateClip(string directory, Dictionary<string, int> vocabulary, List<(string Left, string Right)> merges)
    {
        string map = Path.Combine(directory, "special_tokens_map.json");
        string config = Path.Combine(directory, "tokenizer_config.json");
        string? padFile = null;
        string? pad = null;
        foreach (string file in new[] { map, config })
        {
            if (pad is null && ReadSetting(file, "pad_token") is JsonElement value)
            {
                pad = TokenContent(value, file, "pad_token");
                padFile = file;
            }
        }

        int maxLength = ReadSetting(config, "model_max_length") is JsonElement length ? MaxLength(length, config) : ClipTokenizer.DefaultMaxLength;
        if (pad is not null && !vocabulary.ContainsKey(pad))
        {
            throw new InvalidDataException($"{padFile}: $.pad_token \"{pad}\" is not in vocab.json. Name a token of the vocabulary (\"<|endoftext|>\" in SD 1.x, \"!\" in SD 2.x).");
        }

        return Create(directory, () => new ClipTokenizer(vocabulary, merges, pad, maxLength));
    }

    // The tokenizer's own checks (ids, special tokens, merges) become file errors, prefixed with the file or folder.
    private static T Create<T>(string source, Func<T> create)
    {
        try
        {
            return create();
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{source}: {e.Message}", e);
        }
    }

    // The value of a top-level setting of an optional JSON file, or null when the file or the setting is absent.
    private static JsonElement? ReadSetting(string file, string name)
    {
        if (!File.Exists(file))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(file));
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{file}: expected a JSON object at $.");
            }

            return document.RootElement.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value.Clone() : null;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{file}: not valid JSON ({e.Message}).", e);
        }
    }

    // A token setting is its text, or Hugging Face's serialized AddedToken: an object with the text as "content".
    private static string TokenContent(JsonElement value, string file, string name) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Object when value.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String => content.GetString()!,
        _ => throw new InvalidDataException($"{file}: $.{name} must be a token string or an object with a \"content\" string; got {value.GetRawText()}."),
    };

    private static int MaxLength(JsonElement value, string file) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int length) && length >= 2
            ? length
            : throw new InvalidDataException($"{file}: $.model_max_length must be an integer of at least 2 (77 for CLIP); got {value.GetRawText()}.");
}
