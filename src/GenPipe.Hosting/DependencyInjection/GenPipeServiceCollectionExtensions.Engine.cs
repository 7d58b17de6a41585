using GenPipe.Abstractions.Operators;
using GenPipe.Core;
using GenPipe.Core.Catalog;
using GenPipe.Core.Memory;
using GenPipe.Core.Operators;
using GenPipe.Hosting;
using GenPipe.Hosting.Plugins;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>The engine and the built-in operators.</summary>
public static partial class GenPipeServiceCollectionExtensions
{
    // The engine gets PluginHost.Services, not the root provider, so components can resolve services that
    // folder-loaded plugins registered.
    static partial void AddEngine(IServiceCollection services)
    {
        foreach (var op in BuiltInOperators.All)
        {
            services.AddSingleton<IPipelineOperator>(op);
        }

        // The pool is a service of its own, so an app can register another IComponentPool before AddGenPipe.
        services.TryAddSingleton<IComponentPool>(sp =>
        {
            var host = sp.GetRequiredService<IOptions<GenPipeHostOptions>>().Value;
            // After the plugins load (an accelerator plugin registers its device), and before any component does.
            _ = sp.GetRequiredService<PluginHost>();
            GenPipeConfiguration.CheckDevice(host.DefaultDevice);
            return new ComponentPool(
                new ComponentPoolOptions { BudgetBytes = host.MemoryBudgetBytes, Device = host.DefaultDevice },
                sp.GetService<ILogger<ComponentPool>>());
        });
        services.TryAddSingleton(sp => new PipelineEngine(
            sp.GetRequiredService<ComponentCatalog>(),
            sp.GetRequiredService<PluginHost>().Services,
            EngineOptions(sp.GetRequiredService<IOptions<GenPipeHostOptions>>().Value, sp.GetRequiredService<PluginHost>().Report.ProblemMessages),
            sp.GetService<ILogger<PipelineEngine>>(),
            sp.GetRequiredService<IComponentPool>()));
    }

    private static PipelineEngineOptions EngineOptions(GenPipeHostOptions host, IEnumerable<string> pluginProblems) =>
        new() { ModelRoots = host.ModelRoots, MemoryBudgetBytes = host.MemoryBudgetBytes, PluginProblems = [.. pluginProblems] };
}
