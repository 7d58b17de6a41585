using System.Text.Json;
using System.Text.Json.Nodes;
using GenPipe.Abstractions.Operators;
using GenPipe.Core.Catalog;
using GenPipe.Core.Text;

namespace GenPipe.Core.Pipelines;

/// <summary>
/// Validates, type-checks and plans one pipeline document. Every problem is collected (not just the first) so an
/// author can fix them all in one go; nothing is activated or run here.
/// </summary>
internal sealed partial class PipelineCompiler
{
    /// <summary>The newest <c>format_version</c> this build understands.</summary>
    public const int SupportedFormatVersion = 1;

    private static readonly string[] TopLevelKeys = ["$schema", "format_version", "name", "description", "parameters", "components", "steps", "outputs"];
    private static readonly string[] ParameterKeys = ["type", "default", "description"];
    private static readonly string[] ComponentKeys = ["type", "source", "config", "options", "description"];
    private static readonly string[] StepKeys = ["id", "op", "with", "in", "description"];

    private readonly ComponentCatalog _catalog;
    private readonly IReadOnlyList<string> _modelRoots;
    private readonly string _sourceName;
    private readonly string? _baseDirectory;
    private readonly DiagnosticBag _diagnostics;
    private readonly long? _memoryBudget;
    private readonly IReadOnlyList<string> _pluginProblems;

    // Declared names are kept even when their definitions are broken, so references to them are not reported twice.
    private readonly HashSet<string> _declaredParameters = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PipelineParameter> _parameters = new(StringComparer.Ordinal);
    private readonly HashSet<string> _declaredComponents = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PipelineComponent> _components = new(StringComparer.Ordinal);
    private readonly List<PipelineComponent> _componentOrder = [];

    public PipelineCompiler(
        ComponentCatalog catalog, IReadOnlyList<string> modelRoots, string sourceName, string? baseDirectory, DiagnosticBag diagnostics,
        long? memoryBudget = null, IReadOnlyList<string>? pluginProblems = null)
    {
        _memoryBudget = memoryBudget;
        _pluginProblems = pluginProblems ?? [];
        _catalog = catalog;
        _modelRoots = modelRoots;
        _sourceName = sourceName;
        _baseDirectory = baseDirectory;
        _diagnostics = diagnostics;
    }

    /// <summary>The parsed file behind the nodes, when there is one: long option arrays bind from its recorded numbers.</summary>
    public PipelineDocument? Document { get; init; }

    /// <summary>What a component counts against the memory pool's budget (<see cref="Memory.IComponentPool.EstimateBytes"/>); null: not checked.</summary>
    public Func<PipelineComponent, long>? ComponentBytes { get; init; }

    /// <summary>The pool's budget, which a step's components must fit in together.</summary>
    public long ComponentBudget { get; init; } = long.MaxValue;

    /// <summary>
    /// An unknown type or operator may come from a plugin that failed to load: the note that says so (empty when every
    /// plugin loaded), appended to those errors.
    /// </summary>
    private string MissingPluginNote() => _pluginProblems.Count == 0 ? ""
        : $" (note: {_pluginProblems.Count} plugin(s) could not be loaded: {string.Join("; ", _pluginProblems)})";

    /// <summary>The compiled pipeline, or null when there are errors (they are in the diagnostic bag).</summary>
    public CompiledPipeline? Compile(JsonNode? root)
    {
        if (root is not JsonObject document)
        {
            _diagnostics.Error(JsonPathText.Root, $"a pipeline must be a JSON object with \"steps\" (and optionally \"parameters\", \"components\", \"outputs\"), not {ValueTypes.Describe(root)}");
            return null;
        }

        CheckKeys(document, JsonPathText.Root, TopLevelKeys, "top-level key");
        CheckFormatVersion(document["format_version"]);
        string name = OptionalString(document, JsonPathText.Root, "name") ?? Path.GetFileNameWithoutExtension(_sourceName);
        string description = OptionalString(document, JsonPathText.Root, "description") ?? "";

        CompileParameters(document["parameters"]);
        CompileComponents(document["components"]);
        var steps = CompileSteps(document);
        var outputs = CompileOutputs(document["outputs"], steps);
        var ordered = steps is null ? null : Plan(steps);

        if (_diagnostics.HasErrors || ordered is null)
        {
            return null;
        }

        return new CompiledPipeline(
            name,
            description,
            _sourceName,
            _parameters.Values.ToArray(),
            _componentOrder.ToArray(),
            ordered,
            outputs,
            _diagnostics.Warnings);
    }

    private void CheckFormatVersion(JsonNode? node)
    {
        if (node is null)
        {
            return;
        }

        const string path = "$.format_version";
        if (node is not JsonValue value || !value.TryGetValue<int>(out int version) || version < 1)
        {
            _diagnostics.Error(path, $"format_version must be a positive integer (this GenPipe reads version {SupportedFormatVersion}), got {ValueTypes.Describe(node)}");
        }
        else if (version > SupportedFormatVersion)
        {
            _diagnostics.Error(path, $"this pipeline uses format_version {version}, but this GenPipe supports up to {SupportedFormatVersion}: update GenPipe to run it");
        }
    }

    private void CompileParameters(JsonNode? node)
    {
        const string sectionPath = "$.parameters";
        if (node is null)
        {
            return;
        }

        if (node is not JsonObject parameters)
        {
            _diagnostics.Error(sectionPath, $"\"parameters\" must be an object mapping names to {{ \"type\": ..., \"default\": ... }}, not {ValueTypes.Describe(node)}");
            return;
        }

        foreach (var (name, definition) in parameters)
        {
            _declaredParameters.Add(name);
            string path = JsonPathText.Property(sectionPath, name);
            if (definition is not JsonObject parameter)
            {
                _diagnostics.Error(path, $"parameter '{name}' must be an object like {{ \"type\": \"int\", \"default\": 20 }}, not {ValueTypes.Describe(definition)}");
                continue;
            }

            CheckKeys(parameter, path, ParameterKeys, "parameter key");
            string typePath = JsonPathText.Property(path, "type");
            string? typeName = RequiredString(parameter, path, "type", $"parameter '{name}' needs a \"type\": one of {string.Join(", ", ValueTypes.ParameterTypes.Keys)}");
            string descriptionText = OptionalString(parameter, path, "description") ?? "";
            if (typeName is null)
            {
                continue;
            }

            if (!ValueTypes.ParameterTypes.TryGetValue(typeName, out var type))
            {
                _diagnostics.Error(typePath, $"unknown parameter type '{typeName}' (use one of {string.Join(", ", ValueTypes.ParameterTypes.Keys)})", NameSuggester.Suggest(typeName, ValueTypes.ParameterTypes.Keys));
                continue;
            }

            string defaultPath = JsonPathText.Property(path, "default");
            if (!parameter.ContainsKey("default") || parameter["default"] is null)
            {
                _diagnostics.Error(parameter.ContainsKey("default") ? defaultPath : path, $"parameter '{name}' has no value: give it a \"default\" or pass --set {name}=<value>");
                continue;
            }

            if (!ValueTypes.TryParameterValue(parameter["default"], type, out object value))
            {
                _diagnostics.Error(defaultPath, $"parameter '{name}' is {Article(typeName)} {typeName}, but its value is {ValueTypes.Describe(parameter["default"])}; give {ValueTypes.Expectation(type)}");
                continue;
            }

            _parameters[name] = new PipelineParameter(name, typeName, value, descriptionText);
        }
    }

    private void CheckKeys(JsonObject obj, string path, string[] allowed, string what)
    {
        foreach (var (key, _) in obj)
        {
            if (!allowed.Contains(key))
            {
                _diagnostics.KeyError(
                    JsonPathText.Property(path, key),
                    $"unknown {what} '{key}' (allowed: {string.Join(", ", allowed)})",
                    NameSuggester.Suggest(key, allowed));
            }
        }
    }

    private string? OptionalString(JsonObject obj, string path, string key)
    {
        var node = obj[key];
        if (node is null)
        {
            return null;
        }

        if (node.GetValueKind() != JsonValueKind.String)
        {
            _diagnostics.Error(JsonPathText.Property(path, key), $"\"{key}\" must be a string, not {ValueTypes.Describe(node)}");
            return null;
        }

        return node.GetValue<string>();
    }

    private string? RequiredString(JsonObject obj, string path, string key, string missingMessage)
    {
        if (obj[key] is null)
        {
            _diagnostics.Error(obj.ContainsKey(key) ? JsonPathText.Property(path, key) : path, missingMessage);
            return null;
        }

        return OptionalString(obj, path, key);
    }

    private static string Article(string word) => word.Length > 0 && "aeiou".Contains(word[0], StringComparison.Ordinal) ? "an" : "a";
}
