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
            string? typeId = RequiredString(component, path, "type", $"component '{name}' needs a \"type\" (a registered component id such as scheduler/ddim)");
            string? source = OptionalString(component, path, "source");
            var options = component["options"];
            string optionsPath = JsonPathText.Property(path, "options");
            if (options is not null and not JsonObject)
            {
                _diagnostics.Error(optionsPath, $"\"options\" must be an object of snake_case keys, not {ValueTypes.Describe(options)}");
                continue;
            }

            if (typeId is null)
            {
                continue;
            }

            if (!_catalog.TryGetComponent(typeId, out var registered))
            {
                string? suggestion = NameSuggester.Suggest(typeId, _catalog.ComponentNames);
                string fix = suggestion is null ? "; run 'genpipe list' to see the registered types, or install the plugin that provides it" : "";
                _diagnostics.Error(JsonPathText.Property(path, "type"), $"unknown component type '{typeId}'{fix}", suggestion);
                continue;
            }

            var descriptor = registered.Descriptor;
            string? sourcePath = ResolveSource(name, descriptor, source, JsonPathText.Property(path, "source"), path);
            object? bound = ComponentOptionsBinder.Bind(options as JsonObject, descriptor, optionsPath, _diagnostics, out string canonical);
            if (bound is null || (descriptor.RequiresSource && sourcePath is null))
            {
                continue;
            }

            AddComponent(new PipelineComponent(name, descriptor.Id, sourcePath, bound, descriptor) { OptionsJson = canonical });
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

        var tried = new List<string>();
        IEnumerable<string> candidates = Path.IsPathRooted(source)
            ? [source]
            : (_baseDirectory is null ? [Directory.GetCurrentDirectory()] : new[] { _baseDirectory })
                .Concat(_modelRoots)
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

        _diagnostics.Error(sourcePath, $"source '{source}' of component '{name}' was not found (looked in: {string.Join(", ", tried)}); fix the path (relative to the pipeline file) or add a model root");
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
            object? bound = ComponentOptionsBinder.Bind(null, registered.Descriptor, path, scratch, out string canonical);
            if (bound is not null)
            {
                var inline = new PipelineComponent(reference, registered.Descriptor.Id, null, bound, registered.Descriptor) { OptionsJson = canonical };
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
