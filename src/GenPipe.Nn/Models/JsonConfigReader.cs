using System.Text.Json;

namespace GenPipe.Nn.Models;

/// <summary>
/// Reads the fields of a Hugging Face <c>config.json</c> (diffusers or transformers) with errors that name the file
/// and the key (<c>vae/config.json: $.layers_per_block must be an integer; got "2"</c>). A missing key or a JSON null
/// takes the class default, as the upstream constructors do; keys the model does not use are ignored, as upstream
/// ignores them.
/// </summary>
internal sealed class JsonConfigReader : IDisposable
{
    private readonly JsonDocument _document;

    private JsonConfigReader(JsonDocument document, string source)
    {
        _document = document;
        Source = source;
    }

    /// <summary>How errors name the file.</summary>
    public string Source { get; }

    /// <summary>
    /// <paramref name="config"/> after <paramref name="validate"/> passed; a rule it breaks (an
    /// <see cref="ArgumentException"/> whose message starts with the key) becomes an error naming the file and key.
    /// </summary>
    public T Validated<T>(T config, Action<T> validate)
    {
        ArgumentNullException.ThrowIfNull(validate);
        try
        {
            validate(config);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{Source}: $.{e.Message}", e);
        }

        return config;
    }

    /// <summary>A config rule: throws <paramref name="message"/> (starting with the key) when <paramref name="condition"/> fails.</summary>
    public static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }

    /// <summary>Parses <paramref name="json"/>, which must be a JSON object.</summary>
    /// <exception cref="InvalidDataException">Not valid JSON, or not an object.</exception>
    public static JsonConfigReader Parse(string json, string source)
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

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            throw new InvalidDataException($"{source}: expected a JSON object at $.");
        }

        return new JsonConfigReader(document, source);
    }

    /// <summary>An error about <paramref name="key"/>: <c>source: $.key message</c>.</summary>
    public InvalidDataException Error(string key, string message) => new($"{Source}: $.{key} {message}");

    /// <summary>Whether <paramref name="key"/> is present with a value other than null.</summary>
    public bool Has(string key) => TryGet(key, out _);

    /// <summary>An integer, or <paramref name="fallback"/> when absent or null.</summary>
    public int Int(string key, int fallback) =>
        TryGet(key, out var value) ? AsInt(value, key) : fallback;

    /// <summary>An integer, or null when absent or null.</summary>
    public int? OptionalInt(string key) =>
        TryGet(key, out var value) ? AsInt(value, key) : null;

    /// <summary>A number, or <paramref name="fallback"/> when absent or null.</summary>
    public float Float(string key, float fallback) =>
        TryGet(key, out var value) ? AsFloat(value, key) : fallback;

    /// <summary>A number, or null when absent or null (diffusers' <c>None</c>).</summary>
    public float? OptionalFloat(string key) =>
        TryGet(key, out var value) ? AsFloat(value, key) : null;

    /// <summary>A boolean, or <paramref name="fallback"/> when absent or null.</summary>
    public bool Bool(string key, bool fallback)
    {
        if (!TryGet(key, out var value))
        {
            return fallback;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Error(key, $"must be true or false; got {value.GetRawText()}."),
        };
    }

    /// <summary>A string, or <paramref name="fallback"/> when absent or null.</summary>
    public string String(string key, string fallback)
    {
        if (!TryGet(key, out var value))
        {
            return fallback;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw Error(key, $"must be a string; got {value.GetRawText()}.");
    }

    /// <summary>
    /// A list of integers, or <paramref name="fallback"/> when absent or null. A single integer reads as a list of
    /// one (diffusers accepts both for some keys, such as <c>sample_size</c>).
    /// </summary>
    public IReadOnlyList<int> IntList(string key, IReadOnlyList<int> fallback)
    {
        if (!TryGet(key, out var value))
        {
            return fallback;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            return [AsInt(value, key)];
        }

        var items = new List<int>();
        foreach (var item in value.EnumerateArray())
        {
            items.Add(AsInt(item, $"{key}[{items.Count}]"));
        }

        return items;
    }

    /// <summary>A list of strings, or <paramref name="fallback"/> when absent or null.</summary>
    public IReadOnlyList<string> StringList(string key, IReadOnlyList<string> fallback)
    {
        if (!TryGet(key, out var value))
        {
            return fallback;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw Error(key, $"must be a list of strings; got {value.GetRawText()}.");
        }

        var items = new List<string>();
        foreach (var item in value.EnumerateArray())
        {
            items.Add(item.ValueKind == JsonValueKind.String
                ? item.GetString()!
                : throw Error($"{key}[{items.Count}]", $"must be a string; got {item.GetRawText()}."));
        }

        return items;
    }

    /// <inheritdoc />
    public void Dispose() => _document.Dispose();

    private bool TryGet(string key, out JsonElement value) =>
        _document.RootElement.TryGetProperty(key, out value) && value.ValueKind != JsonValueKind.Null;

    private int AsInt(JsonElement value, string key) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int result)
            ? result
            : throw Error(key, $"must be an integer; got {value.GetRawText()}.");

    private float AsFloat(JsonElement value, string key) =>
        value.ValueKind == JsonValueKind.Number
            ? (float)value.GetDouble()
            : throw Error(key, $"must be a number; got {value.GetRawText()}.");
}
