using System.ComponentModel;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using GenPipe.Abstractions.Components;

namespace GenPipe.Core.Pipelines;

/// <summary>One option of a component type: its JSON key, .NET type, default and description.</summary>
/// <param name="Key">The snake_case key, exactly as the pipeline compiler accepts it.</param>
/// <param name="Type">The property type.</param>
/// <param name="DefaultJson">The default, as JSON.</param>
/// <param name="Description">From a <see cref="DescriptionAttribute"/> on the property, or empty.</param>
public sealed record OptionInfo(string Key, Type Type, string DefaultJson, string Description)
{
    /// <summary>
    /// The accepted values in words, from the property's <c>[Range]</c> and <c>[AllowedValues]</c> attributes
    /// (<c>System.ComponentModel.DataAnnotations</c>), e.g. <c>from 0 to 1</c>; empty when none is declared.
    /// </summary>
    public string Domain { get; init; } = "";
}

/// <summary>
/// A component's options outside a pipeline (for tools such as <c>genpipe describe</c> and <c>genpipe inspect</c>), with
/// the same keys, rules and messages as the pipeline compiler.
/// </summary>
public static class ComponentOptions
{
    /// <summary>The options an options type accepts, with their defaults (from its parameterless constructor).</summary>
    public static IReadOnlyList<OptionInfo> Describe(Type optionsType)
    {
        ArgumentNullException.ThrowIfNull(optionsType);
        object? defaults = optionsType.GetConstructor(Type.EmptyTypes) is null ? null : Activator.CreateInstance(optionsType);
        return ComponentOptionsBinder.KnownKeys(optionsType)
            .Select(pair => new OptionInfo(
                pair.Key,
                pair.Value.PropertyType,
                defaults is null ? "" : JsonSerializer.Serialize(pair.Value.GetValue(defaults), pair.Value.PropertyType, ComponentOptionsBinder.SerializerOptions),
                pair.Value.GetCustomAttribute<DescriptionAttribute>()?.Description ?? "")
            {
                Domain = OptionDomains.Describe(pair.Value),
            })
            .ToArray();
    }

    /// <summary>
    /// Binds <c>key=value</c> settings (values read as pipeline <c>--set</c> values are: JSON when they are JSON, else
    /// text) to the descriptor's options type. Errors throw <see cref="PipelineValidationException"/>; warnings (keys a
    /// tolerant component ignores) are returned.
    /// </summary>
    /// <param name="descriptor">The component type.</param>
    /// <param name="settings">Settings such as <c>timestep_spacing=trailing</c>.</param>
    /// <param name="warnings">Warnings, e.g. ignored keys.</param>
    public static object Bind(ComponentDescriptor descriptor, IEnumerable<string> settings, out IReadOnlyList<PipelineDiagnostic> warnings)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentNullException.ThrowIfNull(settings);
        var options = new JsonObject();
        foreach (string setting in settings)
        {
            int eq = setting.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new PipelineValidationException(
                [
                    new PipelineDiagnostic(
                        PipelineDiagnosticSeverity.Error, $"--set {setting}", "$.options", 0, 0,
                        "expected option=value, e.g. --set timestep_spacing=trailing"),
                ]);
            }

            options[setting[..eq].Trim()] = PipelineOverrides.ParseValue(setting[(eq + 1)..]);
        }

        return Bind(descriptor, options, "--set", out warnings);
    }

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
        object? bound = ComponentOptionsBinder.Bind(options, null, descriptor, "$.options", diagnostics, out _);
        warnings = diagnostics.Warnings;
        if (bound is null || diagnostics.HasErrors)
        {
            throw new PipelineValidationException(diagnostics.Errors, sourceName);
        }

        return bound;
    }
}
