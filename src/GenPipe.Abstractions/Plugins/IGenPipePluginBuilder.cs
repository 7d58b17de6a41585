using GenPipe.Abstractions.Components;
using GenPipe.Abstractions.Operators;
using Microsoft.Extensions.DependencyInjection;

namespace GenPipe.Abstractions.Plugins;

/// <summary>What a plugin registers into. The host records which plugin registered each id.</summary>
public interface IGenPipePluginBuilder
{
    /// <summary>Services the plugin's components may resolve from <see cref="ComponentActivationContext.Services"/>.</summary>
    IServiceCollection Services { get; }

    /// <summary>Adds a component type (e.g. <c>scheduler/ddim</c>). Ids are unique across all plugins.</summary>
    IGenPipePluginBuilder AddComponent(ComponentDescriptor descriptor);

    /// <summary>Adds a pipeline operator (e.g. <c>diffuse</c>). Names are unique across all plugins.</summary>
    IGenPipePluginBuilder AddOperator(IPipelineOperator pipelineOperator);
}
