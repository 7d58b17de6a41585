using System.Text.Json;
using System.Text.Json.Nodes;
using GenPipe.Core.Text;

namespace GenPipe.Core.Pipelines;

/// <summary>
/// Applies <c>--set path=value</c> overrides to a parsed pipeline document before it is compiled.
/// <c>steps=8</c> and <c>parameters.steps=8</c> set a parameter's value; any other dotted path walks the document,
/// addressing components by name and steps by id (or index). Values are JSON when they parse as JSON, else strings.
/// </summary>
internal static class PipelineOverrides
{
    private static readonly string[] TopLevelSettable = ["name", "description"];

    /// <summary>Applies each override in order; problems go to <paramref name="errors"/>.</summary>
    public static IReadOnlyList<AppliedOverride> Apply(JsonObject root, IReadOnlyList<string> overrides, List<PipelineDiagnostic> errors)
    {
        var applied = new List<AppliedOverride>();
        foreach (string text in overrides)
        {
            var context = new OverrideContext(text, errors);
            int eq = text.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                context.Error(JsonPathText.Root, "an override must have the form path=value, e.g. --set steps=8 or --set components.scheduler.options.eta=0.5");
                continue;
            }

            string[] segments = PathSegments(text);
            string valueText = text[(eq + 1)..];
            if (segments.Any(s => s.Length == 0))
            {
                context.Error(JsonPathText.Root, $"the override path '{text[..eq]}' has an empty segment; write names separated by single dots");
                continue;
            }

            string? path = segments.Length == 1 || (segments.Length == 2 && segments[0] == "parameters")
                ? SetParameter(root, segments[^1], valueText, allowTopLevel: segments.Length == 1, context)
                : SetPath(root, segments, ParseValue(valueText), context);
            if (path is not null)
            {
                applied.Add(new AppliedOverride(text, path));
            }
        }

        return applied;
    }

    /// <summary>The dotted path of an override (<c>components.scheduler.options.eta</c> of <c>...eta=0.5</c>), split.</summary>
    internal static string[] PathSegments(string text)
    {
        int eq = text.IndexOf('=', StringComparison.Ordinal);
        return (eq < 0 ? text : text[..eq]).Trim().Split('.');
    }

    /// <summary>An override's value: JSON when the text is JSON (numbers, true/false, null, arrays, objects, quoted strings), else the text as a string.</summary>
    internal static JsonNode? ParseValue(string text)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return JsonValue.Create(text);
        }
    }

    private static string? SetParameter(JsonObject root, string name, string valueText, bool allowTopLevel, OverrideContext context)
    {
        var parameters = root["parameters"] as JsonObject;
        if (parameters?[name] is not JsonObject parameter)
        {
            if (allowTopLevel && TopLevelSettable.Contains(name))
            {
                root[name] = JsonValue.Create(valueText);
                return JsonPathText.Property(JsonPathText.Root, name);
            }

            var names = parameters?.Select(p => p.Key).ToArray() ?? [];
            string known = names.Length == 0 ? "it declares none" : "it declares: " + string.Join(", ", names);
            context.Error(
                JsonPathText.Property("$.parameters", name),
                $"the pipeline has no parameter '{name}' ({known}); to set another value use its full path, e.g. components.<name>.options.<key>=value",
                NameSuggester.Suggest(name, names));
            return null;
        }

        var value = ParseValue(valueText);

        // A string parameter takes the text as written: --set prompt=42 means the string "42".
        if (parameter["type"] is JsonValue type && type.TryGetValue<string>(out var typeName) && typeName == "string" &&
            value?.GetValueKind() != JsonValueKind.String)
        {
            value = JsonValue.Create(valueText);
        }

        parameter["default"] = value;
        return JsonPathText.Property(JsonPathText.Property("$.parameters", name), "default");
    }

    private static string? SetPath(JsonObject root, string[] segments, JsonNode? value, OverrideContext context)
    {
        JsonNode node = root;
        string path = JsonPathText.Root;
        for (int i = 0; i < segments.Length; i++)
        {
            string segment = segments[i];
            bool last = i == segments.Length - 1;
            switch (node)
            {
                case JsonObject obj:
                    {
                        string childPath = JsonPathText.Property(path, segment);
                        if (last)
                        {
                            obj[segment] = value;
                            return childPath;
                        }

                        if (obj[segment] is JsonNode child)
                        {
                            node = child;
                        }
                        else if (i <= 1)
                        {
                            // Sections and the named things in them must exist; deeper objects ("options", "in") may be created.
                            string what = i == 0 ? "section" : path == "$.components" ? "component" : path == "$.parameters" ? "parameter" : "key";
                            var names = obj.Select(p => p.Key).ToArray();
                            context.Error(childPath, $"the override path names no {what} '{segment}' (the document has: {string.Join(", ", names)})", NameSuggester.Suggest(segment, names));
                            return null;
                        }
                        else
                        {
                            child = new JsonObject();
                            obj[segment] = child;
                            node = child;
                        }

                        path = childPath;
                        break;
                    }

                case JsonArray array:
                    {
                        int index = FindIndex(array, path, segment);
                        if (index < 0)
                        {
                            var ids = path == "$.steps" ? array.Select(s => (s as JsonObject)?["id"] is JsonValue v && v.TryGetValue<string>(out var id) ? id : null).OfType<string>().ToArray() : [];
                            string known = path == "$.steps" ? $"step ids: {string.Join(", ", ids)}" : $"{array.Count} elements";
                            context.Error(path, $"the override path names no element '{segment}' of {path} ({known})", NameSuggester.Suggest(segment, ids));
                            return null;
                        }

                        string childPath = JsonPathText.Index(path, index);
                        if (last)
                        {
                            array[index] = value;
                            return childPath;
                        }

                        node = array[index] ?? new JsonObject();
                        array[index] ??= node;
                        path = childPath;
                        break;
                    }

                default:
                    context.Error(path, $"cannot set '{segment}' inside {path}: that value is a {node.GetValueKind().ToString().ToLowerInvariant()}, not an object");
                    return null;
            }
        }

        return null;
    }

    // Steps are addressed by id first, then by index; other arrays by index.
    private static int FindIndex(JsonArray array, string path, string segment)
    {
        if (path == "$.steps")
        {
            for (int i = 0; i < array.Count; i++)
            {
                if (array[i] is JsonObject step && step["id"] is JsonValue id && id.TryGetValue<string>(out var text) && text == segment)
                {
                    return i;
                }
            }
        }

        return int.TryParse(segment, out int index) && index >= 0 && index < array.Count ? index : -1;
    }

    private sealed class OverrideContext(string text, List<PipelineDiagnostic> errors)
    {
        public void Error(string path, string message, string? suggestion = null) =>
            errors.Add(new PipelineDiagnostic(PipelineDiagnosticSeverity.Error, $"--set {text}", path, 0, 0, message, suggestion));
    }
}
