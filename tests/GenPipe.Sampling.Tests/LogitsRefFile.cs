using System.IO.Compression;
using System.Text.Json.Nodes;

namespace GenPipe.Sampling.Tests;

/// <summary>
/// One logits reference file (<c>.json</c> or <c>.json.gz</c>): input scores and ids, and the cases run on them (see
/// Refs/README.md).
/// </summary>
public sealed class LogitsRefFile
{
    private LogitsRefFile(string path, float[][] scores, int[][] inputIds, IReadOnlyList<LogitsRefCase> cases)
    {
        Path = path;
        Scores = scores;
        InputIds = inputIds;
        Cases = cases;
    }

    /// <summary>Where the file was read from.</summary>
    public string Path { get; }

    /// <summary>The input scores, [batch][vocab].</summary>
    public float[][] Scores { get; }

    /// <summary>The input ids, one row per score row.</summary>
    public int[][] InputIds { get; }

    /// <summary>The cases, in file order.</summary>
    public IReadOnlyList<LogitsRefCase> Cases { get; }

    /// <summary>Reads and parses a reference file; errors name the file and the JSON path.</summary>
    public static LogitsRefFile Load(string path)
    {
        try
        {
            using Stream file = File.OpenRead(path);
            using Stream text = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionMode.Decompress) : file;
            var root = JsonNode.Parse(text) as JsonObject
                ?? throw new InvalidDataException("a logits reference file must hold a JSON object.");
            JsonNode inputs = Required(root, "inputs", "$");
            float[][] scores = Matrix(Required(inputs, "scores", "$.inputs"), "$.inputs.scores");
            int[][] ids = [.. ((JsonArray)Required(inputs, "input_ids", "$.inputs")).Select(row => ((JsonArray)row!).Select(v => v!.GetValue<int>()).ToArray())];
            var cases = ((JsonArray)Required(root, "cases", "$")).Select((c, i) => LogitsRefCase.Parse((JsonObject)c!, $"$.cases[{i}]")).ToList();
            return new LogitsRefFile(path, scores, ids, cases);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidDataException or InvalidOperationException or InvalidCastException or FormatException)
        {
            // Files from GENPIPE_LOGITS_REFS are user input: say which file and what to fix.
            throw new InvalidDataException($"{path}: not a logits reference file (see Refs/README.md): {e.Message}", e);
        }
    }

    /// <summary>A [rows][columns] float32 matrix; the strings "-inf", "inf" and "nan" are read too.</summary>
    public static float[][] Matrix(JsonNode node, string path) =>
        node is JsonArray rows
            ? [.. rows.Select((row, r) => row is JsonArray values
                ? values.Select((v, c) => Float(v, $"{path}[{r}][{c}]")).ToArray()
                : throw new InvalidDataException($"{path}[{r}] is not a list of numbers."))]
            : throw new InvalidDataException($"{path} is not a list of rows.");

    /// <summary>A required member of an object.</summary>
    public static JsonNode Required(JsonNode? node, string key, string path) =>
        node?[key] ?? throw new InvalidDataException($"{path} has no '{key}'.");

    private static float Float(JsonNode? value, string path) =>
        value is JsonValue v && v.TryGetValue(out string? text)
            ? text.ToLowerInvariant() switch
            {
                "nan" => float.NaN,
                "inf" or "infinity" => float.PositiveInfinity,
                "-inf" or "-infinity" => float.NegativeInfinity,
                _ => throw new InvalidDataException($"{path} holds the string '{text}' where a number belongs."),
            }
            : (float)(value ?? throw new InvalidDataException($"{path} is null.")).GetValue<double>();
}
