namespace Microsoft.Extensions.DependencyInjection;

/// <summary>The engine registration, kept apart while GenPipe.Core's PipelineEngine is being written.</summary>
public static partial class GenPipeServiceCollectionExtensions
{
    // LEAD: register PipelineEngine here, once GenPipe.Core has it, by replacing this comment with the method below
    // (and `using GenPipe.Core; using GenPipe.Core.Catalog; using GenPipe.Hosting; using GenPipe.Hosting.Plugins;
    // using Microsoft.Extensions.DependencyInjection.Extensions; using Microsoft.Extensions.Logging;
    // using Microsoft.Extensions.Options;`). The engine gets PluginHost.Services, not the root provider, so components
    // can resolve services that folder-loaded plugins registered.
    //
    // static partial void AddEngine(IServiceCollection services) =>
    //     services.TryAddSingleton(sp => new PipelineEngine(
    //         sp.GetRequiredService<ComponentCatalog>(),
    //         sp.GetRequiredService<PluginHost>().Services,
    //         new PipelineEngineOptions { ModelRoots = sp.GetRequiredService<IOptions<GenPipeHostOptions>>().Value.ModelRoots },
    //         sp.GetService<ILogger<PipelineEngine>>()));
}
