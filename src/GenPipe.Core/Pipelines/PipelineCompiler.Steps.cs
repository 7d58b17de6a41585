using System.Text.Json;
using System.Text.Json.Nodes;
using GenPipe.Abstractions.Operators;
using GenPipe.Core.Catalog;
using GenPipe.Core.Text;

namespace GenPipe.Core.Pipelines;

internal sealed partial class PipelineCompiler
{
    // Step ids in document order (first occurrence) with the operator's output type, or null when the op is unknown.
    private readonly Dictionary<string, Type?> _stepOutputs = new(StringComparer.Ordinal);

    private List<PipelineStep>? CompileSteps(JsonObject document)
    {
        const string sectionPath = "$.steps";
        var node = document["steps"];
        if (node is not JsonArray array)
        {
            _diagnostics.Error(
                node is null ? JsonPathText.Root : sectionPath,
                node is null ? "a pipeline needs a \"steps\" array: [ { \"id\": ..., \"op\": ..., \"in\": { ... } } ]" : $"\"steps\" must be an array of step objects, not {ValueTypes.Describe(node)}");
            return null;
        }

        // Pass 1: ids and operators, so references can point forward and backward alike.
        var headers = new List<(JsonObject Step, string Path, int Index, string Id, RegisteredOperator Op)>();
        var firstPath = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < array.Count; i++)
        {
            string path = JsonPathText.Index(sectionPath, i);
            if (array[i] is not JsonObject step)
            {
                _diagnostics.Error(path, $"a step must be an object like {{ \"id\": \"latents\", \"op\": \"diffuse\", \"in\": {{ ... }} }}, not {ValueTypes.Describe(array[i])}");
                continue;
            }

            CheckKeys(step, path, StepKeys, "step key");
            string? id = RequiredString(step, path, "id", "the step needs an \"id\" (a name other steps use as \"@id\")");
            string? opName = RequiredString(step, path, "op", $"the step needs an \"op\": one of {string.Join(", ", _catalog.OperatorNames)}");
            RegisteredOperator? op = null;
            if (opName is not null && !_catalog.TryGetOperator(opName, out op))
            {
                string? suggestion = NameSuggester.Suggest(opName, _catalog.OperatorNames);
                string fix = suggestion is null ? $"; known operators: {string.Join(", ", _catalog.OperatorNames)}" : "";
                _diagnostics.Error(JsonPathText.Property(path, "op"), $"unknown operator '{opName}'{fix}{MissingPluginNote()}", suggestion);
            }

            if (id is null)
            {
                continue;
            }

            string idPath = JsonPathText.Property(path, "id");
            if (id.Length == 0 || id[0] is '$' or '@' || id.Contains('.', StringComparison.Ordinal))
            {
                _diagnostics.Error(idPath, $"step id '{id}' is not usable: ids must be non-empty and must not start with '$' or '@' or contain '.'");
                continue;
            }

            if (firstPath.TryGetValue(id, out string? other))
            {
                _diagnostics.Error(idPath, $"duplicate step id '{id}' (already used by {other}); give each step its own id");
                continue;
            }

            firstPath[id] = path;
            _stepOutputs[id] = op?.Operator.Signature.OutputType;
            if (op is not null)
            {
                headers.Add((step, path, i, id, op));
            }
        }

        // Pass 2: bindings and inputs.
        var steps = new List<PipelineStep>();
        foreach (var (step, path, index, id, op) in headers)
        {
            var components = CompileWith(step, path, op.Operator.Signature);
            var inputs = CompileInputs(step, path, id, op.Operator.Signature);
            if (components is not null && inputs is not null)
            {
                var compiled = new PipelineStep(id, index, op.Operator, components, inputs);
                Preflight(compiled, path);
                CheckComponentsFit(compiled, path);
                steps.Add(compiled);
            }
        }

        return steps;
    }

    private Dictionary<string, PipelineComponent>? CompileWith(JsonObject step, string path, OperatorSignature signature)
    {
        string withPath = JsonPathText.Property(path, "with");
        var node = step["with"];
        var bound = new Dictionary<string, PipelineComponent>(StringComparer.Ordinal);
        bool ok = true;
        if (node is not null and not JsonObject)
        {
            _diagnostics.Error(withPath, $"\"with\" must be an object mapping component slots to component names, not {ValueTypes.Describe(node)}");
            return null;
        }

        var given = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (slotName, value) in (node as JsonObject) ?? [])
        {
            string slotPath = JsonPathText.Property(withPath, slotName);
            var slot = signature.Components.FirstOrDefault(s => s.Name == slotName);
            if (slot is null)
            {
                var names = signature.Components.Select(s => s.Name).ToArray();
                string known = names.Length == 0 ? "it uses no components" : "its slots: " + string.Join(", ", names);
                _diagnostics.KeyError(slotPath, $"operator '{signature.Name}' has no component slot '{slotName}' ({known})", NameSuggester.Suggest(slotName, names));
                ok = false;
                continue;
            }

            given.Add(slotName);
            if (value?.GetValueKind() != JsonValueKind.String)
            {
                _diagnostics.Error(slotPath, $"slot '{slotName}' must name a component (a string), not {ValueTypes.Describe(value)}");
                ok = false;
                continue;
            }

            var component = ResolveBinding(value.GetValue<string>(), slotPath, out bool broken);
            if (component is null)
            {
                ok &= broken;
                continue;
            }

            if (!component.Descriptor.Serves(slot.ContractType))
            {
                var fitting = _components.Values.Where(c => c.Descriptor.Serves(slot.ContractType)).Select(c => c.Name).ToArray();
                string hint = fitting.Length == 0 ? $"declare a component that implements {slot.ContractType.Name}" : $"components that fit: {string.Join(", ", fitting)}";
                _diagnostics.Error(
                    slotPath,
                    $"component '{component.Name}' ({component.TypeId}) is an {string.Join(" and an ", component.Descriptor.Contracts.Select(c => c.Name))}, but slot '{slotName}' of operator '{signature.Name}' needs an {slot.ContractType.Name}; {hint}",
                    fitting.Length == 1 ? fitting[0] : null);
                ok = false;
                continue;
            }

            bound[slotName] = component;
        }

        foreach (var slot in signature.Components.Where(s => s.Required && !given.Contains(s.Name)))
        {
            _diagnostics.Error(
                node is null ? path : withPath,
                $"operator '{signature.Name}' needs a component in slot '{slot.Name}' ({slot.ContractType.Name}): add \"{slot.Name}\": \"<component name>\" to the step's \"with\"");
            ok = false;
        }

        return ok ? bound : null;
    }

    private Dictionary<string, StepInput>? CompileInputs(JsonObject step, string path, string stepId, OperatorSignature signature)
    {
        string inPath = JsonPathText.Property(path, "in");
        var node = step["in"];
        if (node is not null and not JsonObject)
        {
            _diagnostics.Error(inPath, $"\"in\" must be an object mapping input names to values, not {ValueTypes.Describe(node)}");
            return null;
        }

        var inputs = new Dictionary<string, StepInput>(StringComparer.Ordinal);
        var given = new HashSet<string>(StringComparer.Ordinal);
        bool ok = true;
        foreach (var (key, value) in (node as JsonObject) ?? [])
        {
            string keyPath = JsonPathText.Property(inPath, key);
            var port = signature.Inputs.FirstOrDefault(p => p.Name == key);
            if (port is null)
            {
                var names = signature.Inputs.Select(p => p.Name).ToArray();
                _diagnostics.KeyError(keyPath, $"operator '{signature.Name}' has no input '{key}' (its inputs: {string.Join(", ", names)})", NameSuggester.Suggest(key, names));
                ok = false;
                continue;
            }

            given.Add(key);
            var input = CompileInput(value, port, keyPath, signature.Name, stepId);
            if (input is null)
            {
                ok &= value is null && !port.Required;
                continue;
            }

            inputs[key] = input;
        }

        foreach (var port in signature.Inputs.Where(p => p.Required && !given.Contains(p.Name)))
        {
            _diagnostics.Error(
                node is null ? path : inPath,
                $"operator '{signature.Name}' needs input '{port.Name}' ({ValueTypes.NameOf(port.Type)}): add \"{port.Name}\": <value> to the step's \"in\"");
            ok = false;
        }

        return ok ? inputs : null;
    }

    private StepInput? CompileInput(JsonNode? value, InputPort port, string path, string opName, string stepId)
    {
        string? text = value?.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;
        string what = $"input '{port.Name}' of operator '{opName}'";
        if (text is not null && text.Length > 1 && text[0] is '$' or '@' && text[1] != text[0])
        {
            return text[0] == '$' ? CompileParameterInput(text[1..], port, path, what, stepId) : CompileStepInput(text[1..], port, path, what);
        }

        // "$$x" and "@@x" are the literal strings "$x" and "@x".
        var literal = text is not null && text.Length > 1 && text[0] is '$' or '@' ? JsonValue.Create(text[1..]) : value;
        if (literal is null && !port.Required)
        {
            return null;
        }

        if (!ValueTypes.TryConvertLiteral(literal, port.Type, ComponentOptionsBinder.SerializerOptions, out object? converted, out string problem))
        {
            string? suggestion = text is not null && _stepOutputs.ContainsKey(text) ? "@" + text : null;
            _diagnostics.Error(path, $"{what}: {problem}", suggestion);
            return null;
        }

        converted = InputFilePath(port, converted, path);
        if (port.Problem(converted) is { } outside)
        {
            _diagnostics.Error(path, $"{what} {outside}");
            return null;
        }

        return new StepInput(port.Name, StepInputKind.Literal, converted, null);
    }

    private StepInput? CompileParameterInput(string name, InputPort port, string path, string what, string stepId)
    {
        if (!_declaredParameters.Contains(name))
        {
            string hint = _stepOutputs.ContainsKey(name) ? $"; to use the output of step '{name}' write \"@{name}\"" : "; declare it under \"parameters\"";
            string? suggestion = NameSuggester.Suggest(name, _declaredParameters);
            _diagnostics.Error(path, $"{what} refers to unknown parameter '${name}'{hint}", suggestion is null ? null : "$" + suggestion);
            return null;
        }

        if (!_parameters.TryGetValue(name, out var parameter))
        {
            return null; // Its definition is broken and already reported.
        }

        var valueType = parameter.Value.GetType();
        if (!ValueTypes.IsAssignable(valueType, port.Type))
        {
            _diagnostics.Error(path, $"{what} expects {ValueTypes.NameOf(port.Type)}, but parameter '${name}' is {Article(parameter.Type)} {parameter.Type}; change the parameter's type or use another input");
            return null;
        }

        object value = InputFilePath(port, Widen(parameter.Value, port.Type), ParameterValuePath(name))!;
        if (port.Problem(value) is { } outside)
        {
            // The parameter's value is what is wrong: report it there, so a --set that set it is named.
            _diagnostics.Error(ParameterValuePath(name), $"{ParameterRole(name, port.Name, stepId)} {outside}");
            return null;
        }

        return new StepInput(port.Name, StepInputKind.Parameter, value, name);
    }

    /// <summary>
    /// A file an operator reads (<see cref="PathRule.InputFile"/>), as an absolute path: a relative path written in the
    /// pipeline file is relative to that file's folder, like a component source; one given with <c>--set</c> is relative
    /// to the current folder, where it was typed.
    /// </summary>
    private object? InputFilePath(InputPort port, object? value, string valuePath)
    {
        if (port.Path != PathRule.InputFile || value is not string { Length: > 0 } path || Path.IsPathRooted(path))
        {
            return value;
        }

        try
        {
            string folder = _baseDirectory is not null && !_diagnostics.IsOverridden(valuePath) ? _baseDirectory : Directory.GetCurrentDirectory();
            return Path.GetFullPath(Path.Combine(folder, path));
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return value; // Not a usable path: the domain check names it.
        }
    }

    private StepInput? CompileStepInput(string id, InputPort port, string path, string what)
    {
        if (!_stepOutputs.TryGetValue(id, out var outputType))
        {
            string hint = _declaredParameters.Contains(id) ? $"; to use parameter '{id}' write \"${id}\"" : "";
            string? suggestion = NameSuggester.Suggest(id, _stepOutputs.Keys);
            _diagnostics.Error(path, $"{what} refers to unknown step '@{id}' (steps: {string.Join(", ", _stepOutputs.Keys)}){hint}", suggestion is null ? null : "@" + suggestion);
            return null;
        }

        if (outputType is not null && !ValueTypes.IsAssignable(outputType, port.Type))
        {
            _diagnostics.Error(path, $"{what} expects {ValueTypes.NameOf(port.Type)}, but step '{id}' produces {ValueTypes.NameOf(outputType)}");
            return null;
        }

        return new StepInput(port.Name, StepInputKind.StepOutput, null, id);
    }

    private static object Widen(object value, Type portType) => value switch
    {
        int i when portType == typeof(double) => (double)i,
        int i when portType == typeof(float) => (float)i,
        int i when portType == typeof(long) => (long)i,
        double d when portType == typeof(float) => (float)d,
        _ => value,
    };

    private Dictionary<string, string> CompileOutputs(JsonNode? node, List<PipelineStep>? steps)
    {
        const string sectionPath = "$.outputs";
        var outputs = new Dictionary<string, string>(StringComparer.Ordinal);
        if (node is null)
        {
            return outputs;
        }

        if (node is not JsonObject obj)
        {
            _diagnostics.Error(sectionPath, $"\"outputs\" must be an object mapping output names to step ids, not {ValueTypes.Describe(node)}");
            return outputs;
        }

        foreach (var (name, value) in obj)
        {
            string path = JsonPathText.Property(sectionPath, name);
            if (value?.GetValueKind() != JsonValueKind.String)
            {
                _diagnostics.Error(path, $"output '{name}' must name a step (a string such as \"images\"), not {ValueTypes.Describe(value)}");
                continue;
            }

            string id = value.GetValue<string>().TrimStart('@');
            if (!_stepOutputs.ContainsKey(id))
            {
                _diagnostics.Error(path, $"output '{name}' refers to unknown step '{id}' (steps: {string.Join(", ", _stepOutputs.Keys)})", NameSuggester.Suggest(id, _stepOutputs.Keys));
                continue;
            }

            outputs[name] = id;
        }

        _ = steps;
        return outputs;
    }
}
