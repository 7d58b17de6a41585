using System.Text.Json;

using GenPipe.Nn;

namespace GenPipe.Autoregressive.Gpt2;

/// <summary>The shape of a GPT-2 model, as the fields of a Hugging Face GPT-2 <c>config.json</c>.</summary>
public sealed record Gpt2Config
{
    /// <summary>Token ids (<c>vocab_size</c>).</summary>
    public int VocabSize { get; init; } = 50257;

    /// <summary>Learned positions, the longest sequence (<c>n_positions</c>).</summary>
    public int Positions { get; init; } = 1024;

    /// <summary>Hidden size (<c>n_embd</c>).</summary>
    public int EmbeddingDim { get; init; } = 768;

    /// <summary>Transformer blocks (<c>n_layer</c>).</summary>
    public int Layers { get; init; } = 12;

    /// <summary>Attention heads (<c>n_head</c>).</summary>
    public int Heads { get; init; } = 12;

    /// <summary>Layer norms' epsilon (<c>layer_norm_epsilon</c>).</summary>
    public float LayerNormEpsilon { get; init; } = 1e-5f;

    /// <summary><c>bos_token_id</c>: the id a sequence starts with when the prompt is empty; null when the config has none.</summary>
    public int? BosTokenId { get; init; }

    /// <summary><c>eos_token_id</c> (one id or a list): the ids that end a sequence.</summary>
    public IReadOnlyList<int> EosTokenIds { get; init; } = [];

    /// <summary>Features per head.</summary>
    public int HeadDim => EmbeddingDim / Heads;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first inconsistent field.</summary>
    public void Validate()
    {
        Require(VocabSize >= 1, "vocab_size must be at least 1");
        Require(Positions >= 1, "n_positions must be at least 1");
        Require(Layers >= 1, "n_layer must be at least 1");
        Require(Heads >= 1, "n_head must be at least 1");
        Require(EmbeddingDim >= 1 && EmbeddingDim % Heads == 0, $"n_embd ({EmbeddingDim}) must be a positive multiple of n_head ({Heads})");
        Require(LayerNormEpsilon > 0, "layer_norm_epsilon must be positive");
        Require(BosTokenId is null || (BosTokenId >= 0 && BosTokenId < VocabSize), $"bos_token_id ({BosTokenId}) must be a token id below vocab_size ({VocabSize})");
        Require(EosTokenIds.All(id => id >= 0 && id < VocabSize), $"eos_token_id ({string.Join(", ", EosTokenIds)}) must be token ids below vocab_size ({VocabSize})");
    }

    /// <summary>Reads a Hugging Face GPT-2 <c>config.json</c> file.</summary>
    /// <exception cref="InvalidDataException">The file is not valid JSON, or a field is mistyped or out of range; the message names the file and field.</exception>
    public static Gpt2Config Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Reads the text of a GPT-2 <c>config.json</c>; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="InvalidDataException">The text is not valid JSON, or a field is mistyped or out of range.</exception>
    public static Gpt2Config Parse(string json, string source = "config.json")
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(source);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: not valid JSON ({e.Message}).", e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{source}: expected a JSON object at $.");
            }

            var defaults = new Gpt2Config();
            if (root.TryGetProperty("activation_function", out var activation)
                && activation.ValueKind == JsonValueKind.String
                && activation.GetString() is string name
                && name != "gelu_new")
            {
                throw new InvalidDataException($"{source}: $.activation_function is \"{name}\"; only \"gelu_new\" (tanh GELU, GPT-2's) is supported.");
            }

            var config = new Gpt2Config
            {
                VocabSize = ReadInt(root, "vocab_size", defaults.VocabSize, source),
                Positions = ReadInt(root, "n_positions", defaults.Positions, source),
                EmbeddingDim = ReadInt(root, "n_embd", defaults.EmbeddingDim, source),
                Layers = ReadInt(root, "n_layer", defaults.Layers, source),
                Heads = ReadInt(root, "n_head", defaults.Heads, source),
                LayerNormEpsilon = ReadFloat(root, "layer_norm_epsilon", defaults.LayerNormEpsilon, source),
                BosTokenId = ReadOptionalInt(root, "bos_token_id", source),
                EosTokenIds = ReadIds(root, "eos_token_id", source),
            };
            try
            {
                config.Validate();
            }
            catch (ArgumentException e)
            {
                throw new InvalidDataException($"{source}: {e.Message}", e);
            }

            return config;
        }
    }

    private static int ReadInt(JsonElement root, string name, int fallback, string source)
    {
        if (!root.TryGetProperty(name, out var value))
        {
            return fallback;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int result)
            ? result
            : throw new InvalidDataException($"{source}: $.{name} must be an integer; got {value.GetRawText()}.");
    }

    private static int? ReadOptionalInt(JsonElement root, string name, string source) =>
        root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? ReadInt(root, name, 0, source) : null;

    // transformers writes eos_token_id as one id or as a list of ids.
    private static int[] ReadIds(JsonElement root, string name, string source)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            return [ReadInt(root, name, 0, source)];
        }

        var ids = new List<int>();
        foreach (var item in value.EnumerateArray())
        {
            ids.Add(item.ValueKind == JsonValueKind.Number && item.TryGetInt32(out int id)
                ? id
                : throw new InvalidDataException($"{source}: $.{name}[{ids.Count}] must be an integer; got {item.GetRawText()}."));
        }

        return [.. ids];
    }

    private static float ReadFloat(JsonElement root, string name, float fallback, string source)
    {
        if (!root.TryGetProperty(name, out var value))
        {
            return fallback;
        }

        return value.ValueKind == JsonValueKind.Number
            ? (float)value.GetDouble()
            : throw new InvalidDataException($"{source}: $.{name} must be a number; got {value.GetRawText()}.");
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }
}
