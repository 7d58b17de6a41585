using GenPipe.Abstractions.Components;

namespace GenPipe.Core;

/// <summary>A component declared by a pipeline, resolved against the catalog and with its options bound.</summary>
/// <param name="Name">The key under <c>components</c>.</param>
/// <param name="TypeId">The component type's canonical id (an alias in the JSON resolves to it).</param>
/// <param name="SourcePath">The absolute path of its <c>source</c>, or null.</param>
/// <param name="Options">The bound options, an instance of the descriptor's options type.</param>
/// <param name="Descriptor">The catalog entry that creates it.</param>
public sealed record PipelineComponent(
    string Name,
    string TypeId,
    string? SourcePath,
    object Options,
    ComponentDescriptor Descriptor)
{
    private Lazy<string> _optionsJson = new("{}");

    /// <summary>
    /// The options as canonical JSON (or, past a few kilobytes, <c>sha256:</c> and the hash of that JSON). With
    /// <see cref="TypeId"/> and <see cref="SourcePath"/> it identifies the instance: two components with the same
    /// identity share one loaded instance.
    /// </summary>
    public string OptionsJson
    {
        get => _optionsJson.Value;
        init => _optionsJson = new Lazy<string>(value);
    }

    /// <summary>
    /// Computes <see cref="OptionsJson"/> on first use: validating a pipeline never needs it, and serializing options
    /// that hold millions of numbers is most of the cost of loading them.
    /// </summary>
    internal Func<string> OptionsJsonFactory
    {
        init => _optionsJson = new Lazy<string>(value, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The identity used for sharing and caching: type id, source and canonical options.</summary>
    public string Identity => $"{TypeId}|{SourcePath}|{OptionsJson}";
}
