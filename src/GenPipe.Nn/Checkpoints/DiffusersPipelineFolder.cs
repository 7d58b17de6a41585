using System.Text.Json;

namespace GenPipe.Nn.Checkpoints;

/// <summary>
/// A diffusers pipeline folder as <c>model_index.json</c> describes it: the pipeline class and, per component, the
/// library and class (<c>"unet": ["diffusers", "UNet2DConditionModel"]</c>) of the subfolder of that name. Components
/// listed as <c>[null, null]</c> (a removed safety checker) are absent.
/// </summary>
public sealed class DiffusersPipelineFolder
{
    /// <summary>The index file's name.</summary>
    public const string IndexFileName = "model_index.json";

    private readonly Dictionary<string, (string Library, string ClassName)> _components;

    private DiffusersPipelineFolder(string folder, string pipelineClass, Dictionary<string, (string, string)> components)
    {
        Folder = folder;
        PipelineClass = pipelineClass;
        _components = components;
    }

    /// <summary>The folder.</summary>
    public string Folder { get; }

    /// <summary>The pipeline class (<c>StableDiffusionPipeline</c>).</summary>
    public string PipelineClass { get; }

    /// <summary>The components present, by name.</summary>
    public IReadOnlyCollection<string> Components => _components.Keys;

    /// <summary>True when <paramref name="folder"/> holds a <c>model_index.json</c>.</summary>
    public static bool IsPipelineFolder(string folder) => File.Exists(Path.Combine(folder, IndexFileName));

    /// <summary>Reads <paramref name="folder"/>'s index.</summary>
    /// <exception cref="FileNotFoundException">No <c>model_index.json</c>.</exception>
    /// <exception cref="InvalidDataException">The index is malformed; the message names the key.</exception>
    public static DiffusersPipelineFolder Open(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        string index = Path.Combine(folder, IndexFileName);
        if (!File.Exists(index))
        {
            throw new FileNotFoundException(
                $"{folder}: no {IndexFileName}. A diffusers pipeline folder has one beside unet/, vae/, text_encoder/, tokenizer/ and scheduler/; " +
                "a single-file checkpoint (.safetensors) is given as the file itself.", index);
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(index), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{index}: must be a JSON object.");
            }

            string pipelineClass = root.TryGetProperty("_class_name", out var cls) && cls.ValueKind == JsonValueKind.String ? cls.GetString()! : "";
            var components = new Dictionary<string, (string, string)>(StringComparer.Ordinal);
            foreach (var property in root.EnumerateObject().Where(p => !p.Name.StartsWith('_')))
            {
                if (property.Value.ValueKind != JsonValueKind.Array || property.Value.GetArrayLength() != 2)
                {
                    // Plain settings (requires_safety_checker: true) sit beside the components.
                    continue;
                }

                var library = property.Value[0];
                var className = property.Value[1];
                if (library.ValueKind == JsonValueKind.Null || className.ValueKind == JsonValueKind.Null)
                {
                    continue;
                }

                if (library.ValueKind != JsonValueKind.String || className.ValueKind != JsonValueKind.String)
                {
                    throw new InvalidDataException($"{index}: \"{property.Name}\" must be [library, class] strings, as [\"diffusers\", \"UNet2DConditionModel\"].");
                }

                components[property.Name] = (library.GetString()!, className.GetString()!);
            }

            return new DiffusersPipelineFolder(folder, pipelineClass, components);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{index}: not valid JSON ({ex.Message}).", ex);
        }
    }

    /// <summary>The class of component <paramref name="name"/> (<c>UNet2DConditionModel</c>), or null when absent.</summary>
    public string? ClassOf(string name) => _components.TryGetValue(name, out var entry) ? entry.ClassName : null;

    /// <summary>
    /// The subfolder of component <paramref name="name"/>, checked to exist and to be of one of
    /// <paramref name="expectedClasses"/> (any class when none are given).
    /// </summary>
    /// <exception cref="InvalidDataException">The index lacks the component, or names another class.</exception>
    /// <exception cref="DirectoryNotFoundException">The index names it but the subfolder is missing.</exception>
    public string ComponentFolder(string name, params string[] expectedClasses)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        string index = Path.Combine(Folder, IndexFileName);
        if (!_components.TryGetValue(name, out var entry))
        {
            throw new InvalidDataException(
                $"{index}: no \"{name}\" component (it has {string.Join(", ", _components.Keys.Order(StringComparer.Ordinal))}); a {PipelineClass} folder needs one.");
        }

        if (expectedClasses.Length > 0 && !expectedClasses.Contains(entry.ClassName, StringComparer.Ordinal))
        {
            throw new InvalidDataException(
                $"{index}: \"{name}\" is a {entry.ClassName}; GenPipe reads a {string.Join(" or ", expectedClasses)} there.");
        }

        string folder = Path.Combine(Folder, name);
        return Directory.Exists(folder)
            ? folder
            : throw new DirectoryNotFoundException($"{index} lists \"{name}\" but {folder} is missing; the download is incomplete.");
    }
}
