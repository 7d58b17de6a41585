using GenPipe.Abstractions.Operators;
using GenPipe.Core.Catalog;
using GenPipe.Hosting;
using GenPipe.Hosting.Plugins;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the GenPipe host.</summary>
public static partial class GenPipeServiceCollectionExtensions
{
    /// <summary>
    /// Registers the GenPipe host: <see cref="GenPipeHostOptions"/>, the <see cref="ComponentCatalog"/> (assembled on
    /// first resolve from built-in <see cref="IPipelineOperator"/> singletons, static plugins and plugin folders, each
    /// loaded once), the <see cref="PluginLoadReport"/> and the <see cref="PluginHost"/>. Calling it again adds only
    /// <paramref name="configure"/> and returns a builder over the same registrations.
    /// </summary>
    public static IGenPipeBuilder AddGenPipe(this IServiceCollection services, Action<GenPipeHostOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var state = services.FirstOrDefault(d => d.ServiceType == typeof(GenPipeRegistrationState))?.ImplementationInstance as GenPipeRegistrationState;
        if (state is null)
        {
            state = new GenPipeRegistrationState();
            services.AddSingleton(state);
            services.AddOptions<GenPipeHostOptions>();
            services.TryAddSingleton(CreatePluginHost);
            services.TryAddSingleton(sp => sp.GetRequiredService<PluginHost>().Catalog);
            services.TryAddSingleton(sp => sp.GetRequiredService<PluginHost>().Report);
            AddEngine(services);
        }

        if (configure is not null)
        {
            services.Configure(configure);
        }

        return new GenPipeBuilder(services, state);
    }

    private static PluginHost CreatePluginHost(IServiceProvider services)
    {
        var state = services.GetRequiredService<GenPipeRegistrationState>();
        var options = services.GetRequiredService<IOptions<GenPipeHostOptions>>().Value;
        // The bundled plugins (the default folder) come first, so a plugin dropped in later cannot take over their ids.
        var paths = new List<string>();
        if (options.UseDefaultPluginFolder && Directory.Exists(GenPipeHostOptions.DefaultPluginFolder))
        {
            paths.Add(GenPipeHostOptions.DefaultPluginFolder);
        }

        paths.AddRange(state.PluginPaths);
        paths.AddRange(options.PluginFolders.Select(p => Path.GetFullPath(p)));

        var logger = services.GetService<ILoggerFactory>()?.CreateLogger("GenPipe.Hosting.Plugins");
        var host = PluginHost.Create(services.GetServices<IPipelineOperator>(), state.StaticPlugins, paths, services, logger);

        // After the plugins, which may register an accelerator's backend: a device that does not exist is a settings error.
        GenPipeConfiguration.CheckDevice(options.DefaultDevice);
        return host;
    }

    // Registers GenPipe.Core.PipelineEngine; see GenPipeServiceCollectionExtensions.Engine.cs.
    static partial void AddEngine(IServiceCollection services);
}
