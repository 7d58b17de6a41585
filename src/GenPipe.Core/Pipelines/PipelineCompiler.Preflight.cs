using GenPipe.Abstractions.Operators;
using GenPipe.Core.Execution;
using GenPipe.Core.Text;

namespace GenPipe.Core.Pipelines;

internal sealed partial class PipelineCompiler
{
    private static string ParameterValuePath(string name) =>
        JsonPathText.Property(JsonPathText.Property("$.parameters", name), "default");

    // "parameter 'max_tokens' (input 'max_new_tokens' of step 'text')": the pipeline's own name first, then where it goes.
    private static string ParameterRole(string parameter, string input, string stepId) =>
        $"parameter '{parameter}' (input '{input}' of step '{stepId}')";

    /// <summary>Runs the operator's own checks (<see cref="IStepPreflight"/>) and its memory estimate on a compiled step.</summary>
    private void Preflight(PipelineStep step, string stepPath)
    {
        if (step.Operator is not IStepPreflight preflight)
        {
            return;
        }

        PreflightFinding[] findings;
        try
        {
            findings = preflight.Preflight(new CompilerPreflightContext(step)).ToArray();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A preflight that throws is an operator bug; report it at the step rather than crash.
            _diagnostics.Error(stepPath, $"operator '{step.OperatorName}' could not check step '{step.Id}' before the run: {ex.Message}");
            return;
        }

        foreach (var finding in findings)
        {
            var (path, who) = Locate(step, stepPath, finding.Subject);
            if (finding.RequiredBytes is { } bytes)
            {
                CheckMemory(step, path, who, finding.Subject, bytes, finding.Message);
            }
            else if (finding.IsWarning)
            {
                _diagnostics.Warning(path, $"{who} {finding.Message}");
            }
            else
            {
                _diagnostics.Error(path, $"{who} {finding.Message}");
            }
        }
    }

    /// <summary>
    /// A step leases all its components at once, so they must fit in the pool's budget together: refused here, before
    /// anything loads, when their sizes (known ones, or estimates before a first load) add up to more.
    /// </summary>
    private readonly HashSet<string> _brokenSources = new(StringComparer.Ordinal);

    private void CheckComponentsFit(PipelineStep step, string stepPath)
    {
        if (ComponentBytes is not { } measure || step.Components.Count == 0)
        {
            return;
        }

        var sizes = new List<(PipelineComponent Component, long Bytes)>();
        foreach (var component in step.Components.Values.DistinctBy(c => c.Identity))
        {
            try
            {
                sizes.Add((component, measure(component)));
            }
            catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                // The estimate reads the source's headers: a broken source is refused here, before anything runs
                // (once, however many steps use it).
                if (!_brokenSources.Add(component.Identity))
                {
                    return;
                }

                string at = _declaredComponents.Contains(component.Name)
                    ? JsonPathText.Property(JsonPathText.Property("$.components", component.Name), "source")
                    : JsonPathText.Property(stepPath, "with");
                _diagnostics.Error(at, $"component '{component.Name}' ({component.TypeId}) cannot be loaded from '{component.SourcePath}': {ex.Message}");
                return;
            }
        }

        long total = sizes.Sum(s => s.Bytes);
        if (total <= ComponentBudget)
        {
            return;
        }

        string parts = string.Join(", ", sizes.Where(s => s.Bytes > 0).Select(s => $"'{s.Component.Name}' ({s.Component.TypeId}) {ByteSize.Format(s.Bytes)}"));
        string budget = _memoryBudget is null
            ? $"this machine's available memory, {ByteSize.Format(ComponentBudget)}; use smaller models or free memory"
            : $"the memory budget (setting MemoryBudget, --memory-budget), {ByteSize.Format(ComponentBudget)}; raise the budget or use smaller models";
        _diagnostics.Error(JsonPathText.Property(stepPath, "with"),
            $"step '{step.Id}' uses components that need about {ByteSize.Format(total)} at once ({parts}), more than {budget}");
    }

    private void CheckMemory(PipelineStep step, string path, string who, string subject, long bytes, string what)
    {
        var (budget, budgetName) = _memoryBudget is { } configured
            ? (configured, "the memory budget (setting MemoryBudget, --memory-budget)")
            : (MachineMemory.AvailableBytes, "this machine's memory");
        if (bytes <= budget)
        {
            return;
        }

        string value = step.Inputs.TryGetValue(subject, out var input) && input.Value is not null ? $" is {input.Value}, which" : "";
        string fix = _memoryBudget is null
            ? $"lower '{subject}'"
            : $"lower '{subject}', or raise the budget if the machine has the memory";
        _diagnostics.Error(path, $"{who}{value} needs at least {ByteSize.Format(bytes)} for {what}, more than {budgetName}, {ByteSize.Format(budget)}; {fix}");
    }

    // Where a finding about a subject (an input or a slot) is reported, and how the message names it.
    private (string Path, string Who) Locate(PipelineStep step, string stepPath, string subject)
    {
        if (step.Inputs.TryGetValue(subject, out var input))
        {
            return input.Kind == StepInputKind.Parameter
                ? (ParameterValuePath(input.Reference!), ParameterRole(input.Reference!, subject, step.Id))
                : (JsonPathText.Property(JsonPathText.Property(stepPath, "in"), subject), $"input '{subject}' of step '{step.Id}'");
        }

        if (step.Operator.Signature.Inputs.Any(p => p.Name == subject))
        {
            return (stepPath, $"input '{subject}' of step '{step.Id}' (by default)");
        }

        if (step.Components.ContainsKey(subject))
        {
            return (JsonPathText.Property(JsonPathText.Property(stepPath, "with"), subject), $"step '{step.Id}':");
        }

        return (stepPath, $"step '{step.Id}':");
    }

    private sealed class CompilerPreflightContext(PipelineStep step) : PreflightContext
    {
        public override string StepId => step.Id;

        public override bool TryGetInput<T>(string name, out T value)
        {
            var port = step.Operator.Signature.Inputs.FirstOrDefault(p => p.Name == name);
            object? raw = step.Inputs.TryGetValue(name, out var input)
                ? (input.Kind == StepInputKind.StepOutput ? null : input.Value)
                : port?.Default;
            if (raw is T typed)
            {
                value = typed;
                return true;
            }

            if (raw is not null && StepContext.TryConvertNumber(raw, out T converted))
            {
                value = converted;
                return true;
            }

            value = default!;
            return false;
        }

        public override object? GetComponentOptions(string slot) =>
            step.Components.TryGetValue(slot, out var component) ? component.Options : null;

        public override string? GetComponentSource(string slot) =>
            step.Components.TryGetValue(slot, out var component) ? component.SourcePath : null;
    }
}
