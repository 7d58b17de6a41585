using System.Text.Json;
using System.Text.Json.Nodes;

namespace GenPipe.Core.Pipelines;

/// <summary>
/// A model folder's config file (diffusers' <c>scheduler_config.json</c>, <c>config.json</c>) read as component
/// options: its keys are the options' snake_case keys; keys starting with '_' (<c>_class_name</c>,
/// <c>_diffusers_version</c>) are metadata, and <c>_class_name</c> can stand in for the component's type.
/// </summary>
internal sealed record ComponentConfigFile(string Path, string? ClassName, JsonObject Options)
{
    /// <summary>The file names looked for when a config names a folder, in order.</summary>
    public static IReadOnlyList<string> FileNames { get; } = ["scheduler_config.json", "config.json"];

    /// <summary>The config file itself, or the first known file name inside a folder; null when there is none.</summary>
    public static string? Locate(string fileOrFolder) =>
        File.Exists(fileOrFolder) ? fileOrFolder
        : FileNames.Select(n => System.IO.Path.Combine(fileOrFolder, n)).FirstOrDefault(File.Exists);

    public static ComponentConfigFile? Read(string file, out string? problem)
    {
        problem = null;
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(InputFiles.ReadUtf8(file, "config file"), documentOptions: new JsonDocumentOptions
            {
                CommentHandling = JsonCommentHandling.Skip,
                AllowTrailingCommas = true,
            });
        }
        catch (JsonException ex)
        {
            problem = $"not valid JSON at line {(ex.LineNumber ?? 0) + 1}, column {(ex.BytePositionInLine ?? 0) + 1}: {ex.Message}";
            return null;
        }
        catch (InputFileException ex)
        {
            // Missing, a folder, over InputFiles.MaxBytes, unreadable or not UTF-8; the message says which.
            problem = ex.Message;
            return null;
        }

        if (root is not JsonObject obj)
        {
            problem = "it must be a JSON object of options";
            return null;
        }

        string? className = obj["_class_name"] is JsonValue v && v.TryGetValue(out string? s) ? s : null;
        var options = new JsonObject();
        foreach (var (key, value) in obj)
        {
            if (!key.StartsWith('_'))
            {
                options[key] = value?.DeepClone();
            }
        }

        return new ComponentConfigFile(file, className, options);
    }

    /// <summary>The config's options overlaid with the pipeline's own (which win key by key).</summary>
    public static JsonObject Merge(JsonObject fromConfig, JsonObject? fromPipeline)
    {
        var merged = (JsonObject)fromConfig.DeepClone();
        if (fromPipeline is not null)
        {
            foreach (var (key, value) in fromPipeline)
            {
                merged[key] = value?.DeepClone();
            }
        }

        return merged;
    }
}
