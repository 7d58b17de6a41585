namespace GenPipe.Core.Pipelines;

/// <summary>
/// Collects diagnostics and gives each its position: the override that set the value when there is one, otherwise the
/// file line and column of the value (or of the property name, for problems with a key).
/// </summary>
internal sealed class DiagnosticBag(string file, JsonSourceMap? map, IReadOnlyList<AppliedOverride> overrides)
{
    private readonly List<PipelineDiagnostic> _items = [];
    private readonly List<(string OptionsPath, HashSet<string> Keys, string File)> _configKeys = [];

    public IReadOnlyList<PipelineDiagnostic> Items => _items;

    /// <summary>True when a <c>--set</c> override gave the value at <paramref name="path"/> (rather than the file).</summary>
    public bool IsOverridden(string path) => overrides.Any(o => o.JsonPath == path);

    public bool HasErrors => _items.Any(d => d.IsError);

    public IReadOnlyList<PipelineDiagnostic> Errors => _items.Where(d => d.IsError).ToArray();

    public IReadOnlyList<PipelineDiagnostic> Warnings => _items.Where(d => !d.IsError).ToArray();

    /// <summary>An error about the value at <paramref name="path"/>.</summary>
    public void Error(string path, string message, string? suggestion = null) =>
        Add(PipelineDiagnosticSeverity.Error, path, message, suggestion, atKey: false);

    /// <summary>An error about the property name at <paramref name="path"/> (an unknown or misplaced key).</summary>
    public void KeyError(string path, string message, string? suggestion = null) =>
        Add(PipelineDiagnosticSeverity.Error, path, message, suggestion, atKey: true);

    /// <summary>A warning about the value at <paramref name="path"/>.</summary>
    public void Warning(string path, string message, string? suggestion = null) =>
        Add(PipelineDiagnosticSeverity.Warning, path, message, suggestion, atKey: false);

    /// <summary>A warning about the property name at <paramref name="path"/>.</summary>
    public void KeyWarning(string path, string message, string? suggestion = null) =>
        Add(PipelineDiagnosticSeverity.Warning, path, message, suggestion, atKey: true);

    /// <summary>
    /// Says that the options under <paramref name="optionsPath"/> named <paramref name="keys"/> came from a config file
    /// (a diffusers <c>scheduler_config.json</c>), so diagnostics about them point at that file, not the pipeline.
    /// </summary>
    public void AttributeToConfigFile(string optionsPath, IEnumerable<string> keys, string configFile) =>
        _configKeys.Add((optionsPath, new HashSet<string>(keys, StringComparer.Ordinal), configFile));

    private void Add(PipelineDiagnosticSeverity severity, string path, string message, string? suggestion, bool atKey)
    {
        foreach (var (optionsPath, keys, configFile) in _configKeys)
        {
            if (keys.Any(k => JsonPathText.IsWithin(path, JsonPathText.Property(optionsPath, k))))
            {
                // The same key path, inside the config file ("$.skip_prk_steps").
                string inFile = JsonPathText.Root + path[optionsPath.Length..];
                _items.Add(new PipelineDiagnostic(severity, configFile, inFile, 0, 0, message, suggestion));
                return;
            }
        }

        // The latest override that covers the path set the value: blame it rather than the file.
        var cause = overrides.LastOrDefault(o => JsonPathText.IsWithin(path, o.JsonPath));
        if (cause is not null)
        {
            _items.Add(new PipelineDiagnostic(severity, $"--set {cause.Text}", path, 0, 0, message, suggestion));
            return;
        }

        var position = map is null ? SourcePosition.None : atKey ? map.KeyAt(path) : map.ValueAt(path);
        _items.Add(new PipelineDiagnostic(severity, file, path, position.Line, position.Column, message, suggestion));
    }
}
