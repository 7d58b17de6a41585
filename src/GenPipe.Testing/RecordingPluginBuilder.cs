using GenPipe.Abstractions.Components;
using GenPipe.Abstractions.Operators;
using GenPipe.Abstractions.Plugins;
using Microsoft.Extensions.DependencyInjection;

namespace GenPipe.Testing;

/// <summary>
/// An <see cref="IGenPipePluginBuilder"/> that records what a plugin registers, so a test can check the descriptors
/// the host will see (ids, contracts, <see cref="ComponentDescriptor.ConcurrentUse"/>) and call their factories.
/// </summary>
public sealed class RecordingPluginBuilder : IGenPipePluginBuilder
{
    /// <inheritdoc />
    public IServiceCollection Services { get; } = new ServiceCollection();

    /// <summary>The components registered, in order.</summary>
    public List<ComponentDescriptor> Components { get; } = [];

    /// <summary>The operators registered, in order.</summary>
    public List<IPipelineOperator> Operators { get; } = [];

    /// <summary>What <paramref name="plugin"/> registers.</summary>
    public static RecordingPluginBuilder Configure(IGenPipePlugin plugin)
    {
        ArgumentNullException.ThrowIfNull(plugin);
        var builder = new RecordingPluginBuilder();
        plugin.Configure(builder);
        return builder;
    }

    /// <summary>The component registered as <paramref name="id"/>.</summary>
    /// <exception cref="InvalidOperationException">The plugin registered no component with that id.</exception>
    public ComponentDescriptor Component(string id) =>
        Components.FirstOrDefault(c => c.Id == id)
        ?? throw new InvalidOperationException($"No component '{id}' was registered; registered: {string.Join(", ", Components.Select(c => c.Id))}.");

    /// <inheritdoc />
    public IGenPipePluginBuilder AddComponent(ComponentDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        Components.Add(descriptor);
        return this;
    }

    /// <inheritdoc />
    public IGenPipePluginBuilder AddOperator(IPipelineOperator pipelineOperator)
    {
        ArgumentNullException.ThrowIfNull(pipelineOperator);
        Operators.Add(pipelineOperator);
        return this;
    }
}
