using System.IO.Compression;
using System.Text.Json.Nodes;

namespace GenPipe.Schedulers.Tests;

/// <summary>One reference file (<c>.json</c> or <c>.json.gz</c>) produced by diffusers; see Refs/README.md.</summary>
public sealed class RefFile
{
    private RefFile(string path, JsonObject root)
    {
        Path = path;
        Root = root;
    }

    /// <summary>Where the file was read from.</summary>
    public string Path { get; }

    /// <summary>The file name without <c>.json</c> / <c>.json.gz</c>.</summary>
    public string Name => NameOf(Path);

    /// <summary>The parsed document.</summary>
    public JsonObject Root { get; }

    /// <summary>diffusers' class name, e.g. <c>DDIMScheduler</c>, when the file records it.</summary>
    public string? SchedulerClass => (string?)Root["scheduler_class"];

    /// <summary>Reads and parses a reference file.</summary>
    public static RefFile Load(string path)
    {
        using Stream file = File.OpenRead(path);
        using Stream text = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionMode.Decompress) : file;
        var root = JsonNode.Parse(text) as JsonObject
            ?? throw new InvalidDataException($"{path}: the reference file must hold a JSON object.");
        return new RefFile(path, root);
    }

    /// <summary>The file name without its extension(s).</summary>
    public static string NameOf(string path)
    {
        string name = System.IO.Path.GetFileName(path);
        foreach (string ext in new[] { ".json.gz", ".json" })
        {
            if (name.EndsWith(ext, StringComparison.OrdinalIgnoreCase))
            {
                return name[..^ext.Length];
            }
        }

        return name;
    }

    /// <summary>The scheduler part of a reference file name: <c>ddim_eta1</c> in <c>ddim_eta1__sd15_leading__eps__10.json</c>.</summary>
    public static string PrefixOf(string path)
    {
        string name = NameOf(path);
        int end = name.IndexOf("__", StringComparison.Ordinal);
        return end < 0 ? name : name[..end];
    }

    /// <summary>A flat float32 list; the strings "nan", "inf" and "-inf" (how the refs spell values JSON lacks) are read too.</summary>
    public static float[] Floats(JsonNode? node, string what) =>
        node is JsonArray array
            ? [.. array.Select(v => Float(v, what))]
            : throw new InvalidDataException($"'{what}' is not a list of numbers.");

    private static float Float(JsonNode? value, string what) =>
        value is JsonValue v && v.TryGetValue(out string? text)
            ? text.ToLowerInvariant() switch
            {
                "nan" => float.NaN,
                "inf" or "infinity" => float.PositiveInfinity,
                "-inf" or "-infinity" => float.NegativeInfinity,
                _ => throw new InvalidDataException($"'{what}' holds the string '{text}' where a number belongs."),
            }
            : (float)value!.GetValue<double>();

    /// <summary>A required member of an object.</summary>
    public static JsonNode Required(JsonNode? node, string key) =>
        node?[key] ?? throw new InvalidDataException($"The reference has no '{key}'.");
}
