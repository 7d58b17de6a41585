using System.Text.Json.Nodes;
using GenPipe.Abstractions.Components;

namespace GenPipe.Core.Pipelines;

/// <summary>
/// Binds a component's options outside a pipeline (for tools such as <c>genpipe schedulers show</c>), with the same
/// rules and messages as the pipeline compiler.
/// </summary>
public static class ComponentOptions
{
    /// <summary>
    /// Binds <paramref name="options"/> (snake_case keys, or null for the defaults) to the descriptor's options type.
    /// Errors throw <see cref="PipelineValidationException"/>; warnings (keys a tolerant component ignores) are returned.
    /// </summary>
    /// <param name="descriptor">The component type.</param>
    /// <param name="options">The options object.</param>
    /// <param name="sourceName">What diagnostics name as their file, e.g. the command line.</param>
    /// <param name="warnings">Warnings, e.g. ignored keys.</param>
    public static object Bind(ComponentDescriptor descriptor, JsonObject? options, string sourceName, out IReadOnlyList<PipelineDiagnostic> warnings)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        var diagnostics = new DiagnosticBag(sourceName, null, []);
        object? bound = ComponentOptionsBinder.Bind(options, descriptor, "$.options", diagnostics, out _);
        warnings = diagnostics.Warnings;
        if (bound is null || diagnostics.HasErrors)
        {
            throw new PipelineValidationException(diagnostics.Errors, sourceName);
        }

        return bound;
    }
}
