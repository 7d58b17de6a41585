using System.Text;
using System.Text.Json;

namespace GenPipe.Text;

/// <summary>
/// One token per Unicode character (code point), as in character-level language models. The vocabulary is a JSON
/// list (the index is the id) or an object of character to id.
/// </summary>
public sealed class CharacterTokenizer : ITokenVocabulary
{
    private readonly Dictionary<Rune, int> _ids;
    private readonly Rune[] _characters;
    private readonly int? _unknownId;

    /// <summary>Creates a tokenizer from characters and their ids; characters not in it map to <paramref name="unknownId"/>, or throw when none.</summary>
    /// <exception cref="ArgumentException">An id is negative or used twice, or <paramref name="unknownId"/> is out of range.</exception>
    public CharacterTokenizer(IReadOnlyDictionary<Rune, int> vocabulary, int? unknownId = null)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        _ids = new Dictionary<Rune, int>(vocabulary);
        int size = _ids.Count == 0 ? 0 : _ids.Values.Max() + 1;
        _characters = new Rune[size];
        var used = new bool[size];
        foreach (var (character, id) in _ids)
        {
            if (id < 0 || used[id])
            {
                throw new ArgumentException($"Id {id} of '{character}' is negative or used twice.", nameof(vocabulary));
            }

            used[id] = true;
            _characters[id] = character;
        }

        if (unknownId is int unknown && (unknown < 0 || unknown >= size || !used[unknown]))
        {
            throw new ArgumentException($"The unknown id {unknown} is not an id of the vocabulary.", nameof(unknownId));
        }

        _unknownId = unknownId;
    }

    /// <inheritdoc />
    public int VocabularySize => _characters.Length;

    /// <summary>
    /// Reads a vocabulary: a JSON list of one-character strings (id = index) or an object of one-character string to id.
    /// <paramref name="unknownToken"/>, when given, must be in it; <paramref name="source"/> names the text in errors.
    /// </summary>
    /// <exception cref="InvalidDataException">The JSON is malformed, an entry is not exactly one character, or an id is bad.</exception>
    public static CharacterTokenizer Parse(string json, string? unknownToken = null, string source = "vocab.json")
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(source);
        var vocab = new Dictionary<Rune, int>();
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Array)
            {
                int index = 0;
                foreach (var item in root.EnumerateArray())
                {
                    Add(vocab, SingleRune(item, $"$[{index}]", source), index, $"$[{index}]", source);
                    index++;
                }
            }
            else if (root.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in root.EnumerateObject())
                {
                    string path = $"$[{JsonSerializer.Serialize(property.Name)}]";
                    if (property.Value.ValueKind != JsonValueKind.Number || !property.Value.TryGetInt32(out int id) || id < 0)
                    {
                        throw new InvalidDataException($"{source}: {path} must be a non-negative integer id; got {property.Value.GetRawText()}.");
                    }

                    Add(vocab, ToRune(property.Name, path, source), id, path, source);
                }
            }
            else
            {
                throw new InvalidDataException($"{source}: expected a JSON list of characters or an object of character -> id at $.");
            }
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: not valid JSON ({e.Message}).", e);
        }

        int? unknownId = null;
        if (unknownToken is not null)
        {
            var rune = ToRune(unknownToken, "unknownToken", source);
            unknownId = vocab.TryGetValue(rune, out int id)
                ? id
                : throw new InvalidDataException($"{source}: the unknown token '{unknownToken}' is not in the vocabulary.");
        }

        try
        {
            return new CharacterTokenizer(vocab, unknownId);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{source}: {e.Message}", e);
        }
    }

    /// <summary>Reads a vocabulary file (see <see cref="Parse"/>).</summary>
    public static CharacterTokenizer Load(string path, string? unknownToken = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Parse(File.ReadAllText(path), unknownToken, path);
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">A character is not in the vocabulary and there is no unknown id; names it and its position.</exception>
    public IReadOnlyList<int> Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length);
        int position = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            if (_ids.TryGetValue(rune, out int id))
            {
                ids.Add(id);
            }
            else
            {
                ids.Add(_unknownId ?? throw new ArgumentException($"Character '{rune}' (U+{rune.Value:X4}) at position {position} is not in the vocabulary.", nameof(text)));
            }

            position += rune.Utf16SequenceLength;
        }

        return ids;
    }

    /// <inheritdoc />
    public string Decode(ReadOnlySpan<int> ids)
    {
        var text = new StringBuilder(ids.Length);
        foreach (int id in ids)
        {
            if ((uint)id >= (uint)_characters.Length || !_ids.TryGetValue(_characters[id], out int back) || back != id)
            {
                throw new ArgumentOutOfRangeException(nameof(ids), id, $"Not an id of this vocabulary of {_characters.Length}.");
            }

            text.Append(_characters[id].ToString());
        }

        return text.ToString();
    }

    /// <inheritdoc />
    /// <remarks>The token is one character.</remarks>
    public int? TokenToId(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return Rune.DecodeFromUtf16(token, out var rune, out int used) == System.Buffers.OperationStatus.Done && used == token.Length && _ids.TryGetValue(rune, out int id)
            ? id
            : null;
    }

    /// <inheritdoc />
    public string IdToToken(int id) => Decode([id]);

    private static Rune SingleRune(JsonElement item, string path, string source) =>
        item.ValueKind == JsonValueKind.String
            ? ToRune(item.GetString()!, path, source)
            : throw new InvalidDataException($"{source}: {path} must be a one-character string; got {item.GetRawText()}.");

    private static Rune ToRune(string value, string path, string source)
    {
        if (value.Length == 0 || Rune.DecodeFromUtf16(value, out var rune, out int used) != System.Buffers.OperationStatus.Done || used != value.Length)
        {
            throw new InvalidDataException($"{source}: {path} must be exactly one character; got \"{value}\".");
        }

        return rune;
    }

    private static void Add(Dictionary<Rune, int> vocab, Rune rune, int id, string path, string source)
    {
        if (!vocab.TryAdd(rune, id))
        {
            throw new InvalidDataException($"{source}: {path}: the character '{rune}' appears twice.");
        }
    }
}
