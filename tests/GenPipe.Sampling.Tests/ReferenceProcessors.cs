using System.Text.Json.Nodes;
using GenPipe.Abstractions.Models;

namespace GenPipe.Sampling.Tests;

/// <summary>Builds GenPipe's processor for a transformers class name and its constructor arguments from a reference case.</summary>
public static class ReferenceProcessors
{
    /// <summary>The processors a case describes: one, or the whole chain of a <c>LogitsProcessorList</c>.</summary>
    public static IReadOnlyList<ILogitsProcessor> Create(string processor, JsonNode? parameters)
    {
        ArgumentNullException.ThrowIfNull(processor);
        if (processor == "LogitsProcessorList")
        {
            return [.. ((JsonArray)parameters!).Select(p => CreateOne((string)p!["processor"]!, p))];
        }

        return [CreateOne(processor, parameters)];
    }

    private static ILogitsProcessor CreateOne(string processor, JsonNode? p)
    {
        float filter = p?["filter_value"] is { } f ? ParseFilter(f) : float.NegativeInfinity;
        int keep = p?["min_tokens_to_keep"]?.GetValue<int>() ?? 1;
        return processor switch
        {
            "TemperatureLogitsWarper" => new TemperatureLogitsWarper(Number(p, "temperature")),
            "TopKLogitsWarper" => new TopKLogitsWarper((int)Number(p, "top_k"), filter, keep),
            "TopPLogitsWarper" => new TopPLogitsWarper(Number(p, "top_p"), filter, keep),
            "MinPLogitsWarper" => new MinPLogitsWarper(Number(p, "min_p"), filter, keep),
            "TypicalLogitsWarper" => new TypicalLogitsWarper(Number(p, "mass"), filter, keep),
            "RepetitionPenaltyLogitsProcessor" => new RepetitionPenaltyLogitsProcessor(Number(p, "penalty"), p?["prompt_ignore_length"]?.GetValue<int>() ?? 0),
            "NoRepeatNGramLogitsProcessor" => new NoRepeatNGramLogitsProcessor((int)Number(p, "ngram_size")),
            "SequenceBiasLogitsProcessor" => new SequenceBiasLogitsProcessor(
                ((JsonArray)p!["sequence_bias"]!).Select(e => new KeyValuePair<IReadOnlyList<int>, float>(
                    [.. ((JsonArray)e![0]!).Select(t => t!.GetValue<int>())], (float)e[1]!.GetValue<double>()))),
            _ => throw new NotSupportedException($"No GenPipe processor for transformers' {processor}."),
        };
    }

    private static double Number(JsonNode? parameters, string key) =>
        parameters?[key]?.GetValue<double>() ?? throw new InvalidDataException($"The parameters have no '{key}'.");

    private static float ParseFilter(JsonNode node) =>
        node is JsonValue v && v.TryGetValue(out string? text)
            ? text == "-inf" ? float.NegativeInfinity : float.Parse(text, System.Globalization.CultureInfo.InvariantCulture)
            : (float)node.GetValue<double>();
}
