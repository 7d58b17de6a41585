using System.Text.Json;
using System.Text.Json.Nodes;
using GenPipe.Abstractions.Components;
using GenPipe.Core.Text;

namespace GenPipe.Core.Pipelines;

internal sealed partial class PipelineCompiler
{
    private void CompileComponents(JsonNode? node)
    {
        const string sectionPath = "$.components";
        if (node is null)
        {
            return;
        }

        if (node is not JsonObject components)
        {
            _diagnostics.Error(sectionPath, $"\"components\" must be an object mapping names to {{ \"type\": ..., \"options\": ... }}, not {ValueTypes.Describe(node)}");
            return;
        }

        foreach (var (name, definition) in components)
        {
            _declaredComponents.Add(name);
            string path = JsonPathText.Property(sectionPath, name);
            if (definition is not JsonObject component)
            {
                _diagnostics.Error(path, $"component '{name}' must be an object like {{ \"type\": \"scheduler/ddim\" }}, not {ValueTypes.Describe(definition)}");
                continue;
            }

            CheckKeys(component, path, ComponentKeys, "component key");
            string? source = OptionalString(component, path, "source");
            var options = component["options"];
            string optionsPath = JsonPathText.Property(path, "options");
            if (options is not null and not JsonObject)
            {
                _diagnostics.Error(optionsPath, $"\"options\" must be an object of snake_case keys, not {ValueTypes.Describe(options)}");
                continue;
            }

            ComponentConfigFile? config = null;
            if (ConfigReferences(component, path) is { } configReferences)
            {
                config = ReadConfigFile(name, configReferences, JsonPathText.Property(path, "config"));
                if (config is null)
                {
                    continue;
                }
            }

            string? typeId = config?.ClassName is { } className && component["type"] is null
                ? TypeFromClassName(name, className, config.Path, JsonPathText.Property(path, "config"))
                : RequiredString(component, path, "type", $"component '{name}' needs a \"type\" (a registered component id such as scheduler/ddim)");
            if (typeId is null)
            {
                continue;
            }

            // Keys from a config file are defaults; the pipeline's own "options" win.
            if (config is not null)
            {
                Document?.RestoreArrays(optionsPath);
                var own = options as JsonObject;
                _diagnostics.AttributeToConfigFile(
                    optionsPath, config.Options.Select(o => o.Key).Where(k => own is null || !own.ContainsKey(k)), config.Path);
                options = ComponentConfigFile.Merge(config.Options, own);
            }

            if (!_catalog.TryGetComponent(typeId, out var registered))
            {
                string? suggestion = NameSuggester.Suggest(typeId, _catalog.ComponentNames);
                string fix = suggestion is null ? "; run 'genpipe list' to see the registered types, or install the plugin that provides it" : "";
                _diagnostics.Error(JsonPathText.Property(path, "type"), $"unknown component type '{typeId}'{fix}{MissingPluginNote()}", suggestion);
                continue;
            }

            var descriptor = registered.Descriptor;
            string? sourcePath = ResolveSource(name, descriptor, source, JsonPathText.Property(path, "source"), path);
            object? bound = ComponentOptionsBinder.Bind(options as JsonObject, Document?.LongArraysIn(optionsPath), descriptor, optionsPath, _diagnostics, out var canonical);
            if (bound is null || (descriptor.RequiresSource && sourcePath is null))
            {
                continue;
            }

            AddComponent(new PipelineComponent(name, descriptor.Id, sourcePath, bound, descriptor) { OptionsJsonFactory = canonical });
        }
    }

    private void AddComponent(PipelineComponent component)
    {
        _components[component.Name] = component;
        _componentOrder.Add(component);
    }

    private string? ResolveSource(string name, ComponentDescriptor descriptor, string? source, string sourcePath, string componentPath)
    {
        if (source is null)
        {
            if (descriptor.RequiresSource)
            {
                _diagnostics.Error(componentPath, $"component '{name}' ({descriptor.Id}) needs a \"source\": the folder or file with its weights");
            }

            return null;
        }

        return ResolveReference(source, sourcePath, $"source '{source}' of component '{name}'");
    }

    /// <summary>
    /// A component's <c>source</c> or <c>config</c>: a path, or a string parameter alone or followed by a subpath
    /// (<c>"$model"</c>, <c>"$model/scheduler"</c>), so that one parameter can point every component of a model at the
    /// same folder or file. A parameter's value may also be relative to the current folder, where it was typed.
    /// </summary>
    /// <param name="reference">The path or parameter reference.</param>
    /// <param name="jsonPath">Where it was written, for diagnostics.</param>
    /// <param name="what">What it names, for diagnostics.</param>
    /// <param name="tried">
    /// When given, a missing file or folder is not an error: the places looked in are added here and null returned, so
    /// the caller can try its next candidate.
    /// </param>
    private string? ResolveReference(string reference, string jsonPath, string what, List<string>? tried = null)
    {
        if (!reference.StartsWith('$'))
        {
            return ResolvePath(reference, jsonPath, what, tried: tried);
        }

        int slash = reference.IndexOf('/', StringComparison.Ordinal);
        string parameterName = slash < 0 ? reference[1..] : reference[1..slash];
        if (!_parameters.TryGetValue(parameterName, out var parameter))
        {
            if (!_declaredParameters.Contains(parameterName))
            {
                _diagnostics.Error(jsonPath, $"{what} names parameter '{parameterName}', which the pipeline does not declare; declare it under \"parameters\" or give a path");
            }

            return null;
        }

        if (parameter.Value is not string value || value.Length == 0)
        {
            _diagnostics.Error(jsonPath, $"{what} needs parameter '{parameterName}' to be a non-empty string (a path), got {parameter.Type} '{parameter.Value}'");
            return null;
        }

        string resolved = slash < 0 ? value : Path.Combine(value, reference[(slash + 1)..]);
        return ResolvePath(resolved, jsonPath, $"{what} (parameter '{parameterName}' is '{value}')", includeCurrentFolder: true, tried);
    }

    /// <summary>
    /// A file or folder: absolute, or relative to the pipeline file, then to each model root (then to the current
    /// folder, for a value typed on the command line).
    /// </summary>
    private string? ResolvePath(string source, string jsonPath, string what, bool includeCurrentFolder = false, List<string>? tried = null)
    {
        bool quiet = tried is not null;
        tried ??= [];
        IEnumerable<string> candidates = Path.IsPathRooted(source)
            ? [source]
            : (_baseDirectory is null ? [Directory.GetCurrentDirectory()] : new[] { _baseDirectory })
                .Concat(_modelRoots)
                .Concat(includeCurrentFolder ? [Directory.GetCurrentDirectory()] : [])
                .Distinct(StringComparer.Ordinal)
                .Select(root => Path.Combine(root, source));
        foreach (string candidate in candidates)
        {
            string full = Path.GetFullPath(candidate);
            if (Directory.Exists(full) || File.Exists(full))
            {
                return full;
            }

            tried.Add(full);
        }

        if (quiet)
        {
            return null;
        }

        _diagnostics.Error(jsonPath, $"{what} was not found (looked in: {string.Join(", ", tried)}); fix the path (relative to the pipeline file) or add a model root");
        return null;
    }

    /// <summary>
    /// A component's <c>config</c>: one reference, or an array of them of which the first that exists is read (a model
    /// folder's own scheduler config, else a fallback for a single-file checkpoint). Null (after reporting) when the
    /// value is neither.
    /// </summary>
    private IReadOnlyList<string>? ConfigReferences(JsonObject component, string path)
    {
        if (component["config"] is not JsonArray array)
        {
            return OptionalString(component, path, "config") is { } single ? [single] : null;
        }

        var references = new List<string>();
        for (int i = 0; i < array.Count; i++)
        {
            if (array[i] is not { } item || item.GetValueKind() != JsonValueKind.String)
            {
                _diagnostics.Error(JsonPathText.Index(JsonPathText.Property(path, "config"), i), $"a config candidate must be a string (a path or \"$parameter/subpath\"), not {ValueTypes.Describe(array[i])}");
                return null;
            }

            references.Add(item.GetValue<string>());
        }

        if (references.Count == 0)
        {
            _diagnostics.Error(JsonPathText.Property(path, "config"), "\"config\" is an empty array; give a path, or candidates of which the first that exists is read");
            return null;
        }

        return references;
    }

    /// <summary>Reads a component's <c>config</c> file (a diffusers <c>scheduler_config.json</c> or <c>config.json</c>, or their folder).</summary>
    private ComponentConfigFile? ReadConfigFile(string name, IReadOnlyList<string> references, string jsonPath)
    {
        string? resolved = null;
        if (references.Count == 1)
        {
            resolved = ResolveReference(references[0], jsonPath, $"config '{references[0]}' of component '{name}'");
        }
        else
        {
            var tried = new List<string>();
            foreach (string reference in references)
            {
                resolved = ResolveReference(reference, jsonPath, $"config '{reference}' of component '{name}'", tried);
                if (resolved is not null)
                {
                    break;
                }
            }

            if (resolved is null && tried.Count > 0)
            {
                _diagnostics.Error(jsonPath, $"none of the configs of component '{name}' was found (looked in: {string.Join(", ", tried)}); fix the paths (relative to the pipeline file) or add a model root");
            }
        }

        if (resolved is null)
        {
            return null;
        }

        string? file = ComponentConfigFile.Locate(resolved);
        if (file is null)
        {
            _diagnostics.Error(jsonPath, $"config folder '{resolved}' of component '{name}' has no {string.Join(" or ", ComponentConfigFile.FileNames)}; name the file itself");
            return null;
        }

        var config = ComponentConfigFile.Read(file, out string? problem);
        if (config is null)
        {
            _diagnostics.Error(jsonPath, $"config file '{file}' of component '{name}' could not be read: {problem}");
        }

        return config;
    }

    /// <summary>The component id a config's <c>_class_name</c> stands for (class names are registered as aliases).</summary>
    private string? TypeFromClassName(string name, string className, string file, string jsonPath)
    {
        if (_catalog.TryGetComponent(className, out var registered))
        {
            return registered.Descriptor.Id;
        }

        _diagnostics.Error(jsonPath, $"config '{file}' of component '{name}' names _class_name '{className}', which no loaded plugin provides; set \"type\" to a registered id (see 'genpipe list')");
        return null;
    }

    /// <summary>
    /// A component a step names in <c>with</c>: a declared one, or a registered type id used inline with default options.
    /// Null (after reporting) when there is none.
    /// </summary>
    private PipelineComponent? ResolveBinding(string reference, string path, out bool declaredButBroken)
    {
        declaredButBroken = false;
        if (_components.TryGetValue(reference, out var component))
        {
            return component;
        }

        if (_declaredComponents.Contains(reference))
        {
            declaredButBroken = true;
            return null;
        }

        if (_catalog.TryGetComponent(reference, out var registered) && !registered.Descriptor.RequiresSource)
        {
            // An inline component: "with": { "decoder": "identity" } names a type that needs no source or options.
            var scratch = new DiagnosticBag(_sourceName, null, []);
            object? bound = ComponentOptionsBinder.Bind(null, null, registered.Descriptor, path, scratch, out var canonical);
            if (bound is not null)
            {
                var inline = new PipelineComponent(reference, registered.Descriptor.Id, null, bound, registered.Descriptor) { OptionsJsonFactory = canonical };
                AddComponent(inline);
                return inline;
            }
        }

        string? suggestion = NameSuggester.Suggest(reference, _declaredComponents);
        string known = _declaredComponents.Count == 0 ? "the pipeline declares none" : "declared: " + string.Join(", ", _declaredComponents);
        _diagnostics.Error(path, $"no component named '{reference}' ({known}); declare it under \"components\"", suggestion);
        return null;
    }
}
