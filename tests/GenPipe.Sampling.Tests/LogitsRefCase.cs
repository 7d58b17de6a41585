using System.Text.Json.Nodes;

namespace GenPipe.Sampling.Tests;

/// <summary>One case of a logits reference file: a processor (or a chain of them), its arguments, and its output.</summary>
public sealed record LogitsRefCase(
    string Name,
    string Processor,
    JsonNode? Parameters,
    float[][] Output,
    IReadOnlyList<(string After, float[][] Output)> Intermediates)
{
    /// <summary>Parses a case object found at JSON path <paramref name="path"/>.</summary>
    public static LogitsRefCase Parse(JsonObject node, string path)
    {
        ArgumentNullException.ThrowIfNull(node);
        string name = (string?)LogitsRefFile.Required(node, "name", path) ?? "";
        string processor = (string?)LogitsRefFile.Required(node, "processor", path) ?? "";
        float[][] output = LogitsRefFile.Matrix(LogitsRefFile.Required(node, "output", path), $"{path}.output");
        var intermediates = node["intermediates"] is JsonArray steps
            ? steps.Select((s, i) => (
                (string?)LogitsRefFile.Required(s, "after", $"{path}.intermediates[{i}]") ?? "",
                LogitsRefFile.Matrix(LogitsRefFile.Required(s, "output", $"{path}.intermediates[{i}]"), $"{path}.intermediates[{i}].output"))).ToList()
            : [];
        return new LogitsRefCase(name, processor, node["params"], output, intermediates);
    }
}
