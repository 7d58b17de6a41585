using System.Globalization;
using System.Text;
using System.Text.Json;
using GenPipe.Abstractions.Operators;
using GenPipe.Tensors;

namespace GenPipe.Core.Imaging;

/// <summary>
/// How an image was made, as PNG text chunks: <c>parameters</c> in A1111's layout (prompt; <c>Negative prompt:</c>;
/// <c>Steps: …, Sampler: …, CFG scale: …, Seed: …, Size: WxH, Model: …</c>), which image browsers and A1111's "PNG
/// info" read, written when the run has a <c>prompt</c> parameter; and <c>genpipe</c>, the pipeline name, every
/// parameter and every component as JSON, enough to run it again. Sources appear by file or folder name only, so a
/// shared image does not reveal the author's folders.
/// </summary>
public static class GenerationParameters
{
    /// <summary>The text chunks for an image of <paramref name="samples"/> made by <paramref name="run"/> (none without a run).</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> TextChunks(RunDescription? run, Tensor samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (run is null)
        {
            return [];
        }

        var chunks = new List<KeyValuePair<string, string>>();
        var values = run.Parameters.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        if (values.TryGetValue("prompt", out var prompt) && prompt is string text)
        {
            chunks.Add(new("parameters", A1111(text, values, run, samples)));
        }

        chunks.Add(new("genpipe", Json(run)));
        return chunks;
    }

    private static string A1111(string prompt, Dictionary<string, object> values, RunDescription run, Tensor samples)
    {
        var builder = new StringBuilder(prompt);
        if (values.TryGetValue("negative_prompt", out var negative) && negative is string { Length: > 0 } negativeText)
        {
            builder.Append("\nNegative prompt: ").Append(negativeText);
        }

        var fields = new List<string>();
        void Add(string label, string parameter)
        {
            if (values.TryGetValue(parameter, out var value))
            {
                fields.Add($"{label}: {Format(value)}");
            }
        }

        Add("Steps", "steps");
        if (run.Components.FirstOrDefault(c => c.Type.StartsWith("scheduler/", StringComparison.Ordinal)) is { Type: { } scheduler })
        {
            fields.Add($"Sampler: {scheduler["scheduler/".Length..]}");
        }

        Add("CFG scale", "guidance");
        Add("Seed", "seed");
        if (samples.Rank == 4)
        {
            fields.Add($"Size: {samples.Dim(3)}x{samples.Dim(2)}");
        }

        if (values.TryGetValue("model", out var model) && model is string modelPath)
        {
            fields.Add($"Model: {Path.GetFileName(Path.TrimEndingDirectorySeparator(modelPath))}");
        }

        if (fields.Count > 0)
        {
            builder.Append('\n').Append(string.Join(", ", fields));
        }

        return builder.ToString();
    }

    private static string Json(RunDescription run)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteString("pipeline", run.Pipeline);
            json.WriteStartObject("parameters");
            foreach (var (name, value) in run.Parameters)
            {
                switch (value)
                {
                    case string s:
                        json.WriteString(name, s);
                        break;
                    case bool b:
                        json.WriteBoolean(name, b);
                        break;
                    case int i:
                        json.WriteNumber(name, i);
                        break;
                    case double d:
                        json.WriteNumber(name, d);
                        break;
                    default:
                        json.WriteString(name, Format(value));
                        break;
                }
            }

            json.WriteEndObject();
            json.WriteStartObject("components");
            foreach (var (name, type, source) in run.Components)
            {
                json.WriteStartObject(name);
                json.WriteString("type", type);
                if (source is not null)
                {
                    json.WriteString("source", Path.GetFileName(Path.TrimEndingDirectorySeparator(source)));
                }

                json.WriteEndObject();
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static string Format(object value) => value switch
    {
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
