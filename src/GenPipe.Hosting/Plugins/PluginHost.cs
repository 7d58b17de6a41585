using GenPipe.Abstractions;
using GenPipe.Abstractions.Operators;
using GenPipe.Core.Catalog;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace GenPipe.Hosting.Plugins;

/// <summary>
/// The assembled catalog: built-in operators, static plugins and plugins loaded from folders, in that order (so a
/// plugin cannot replace a built-in), with the report of what loaded and what was refused.
/// </summary>
public sealed class PluginHost : IDisposable
{
    private readonly List<LoadedPlugin> _loaded;
    private readonly PluginServiceProvider? _pluginServices;

    private PluginHost(ComponentCatalog catalog, PluginLoadReport report, List<LoadedPlugin> loaded, IServiceProvider services, PluginServiceProvider? pluginServices)
    {
        Catalog = catalog;
        Report = report;
        _loaded = loaded;
        Services = services;
        _pluginServices = pluginServices;
    }

    /// <summary>Everything pipelines can use.</summary>
    public ComponentCatalog Catalog { get; }

    /// <summary>What loaded, what was skipped, what was rejected.</summary>
    public PluginLoadReport Report { get; }

    /// <summary>The plugins loaded from folders.</summary>
    public IReadOnlyList<LoadedPlugin> LoadedPlugins => _loaded;

    /// <summary>
    /// The services components and operators should be given: the host's, plus those registered by plugins loaded from
    /// folders. Pass this (not the root provider) as the engine's services.
    /// </summary>
    public IServiceProvider Services { get; }

    /// <summary>
    /// Builds the catalog. <paramref name="pluginPaths"/> are plugin roots, plugin folders or plugin dlls; a path
    /// listed twice loads once. Never throws for a bad plugin: it is reported and skipped.
    /// </summary>
    public static PluginHost Create(
        IEnumerable<IPipelineOperator> builtInOperators,
        IEnumerable<PluginRegistrations> staticPlugins,
        IEnumerable<string> pluginPaths,
        IServiceProvider hostServices,
        ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(builtInOperators);
        ArgumentNullException.ThrowIfNull(staticPlugins);
        ArgumentNullException.ThrowIfNull(pluginPaths);
        ArgumentNullException.ThrowIfNull(hostServices);
        logger ??= NullLogger.Instance;

        var catalog = new ComponentCatalogBuilder();
        var conflicts = new List<CatalogConflict>();
        var failures = new List<PluginLoadFailure>();
        var infos = new List<LoadedPluginInfo>();

        var builtIns = new PluginRegistrations(CatalogSource.BuiltIn);
        foreach (var op in builtInOperators)
        {
            builtIns.AddOperator(op);
        }

        builtIns.MergeInto(catalog, conflicts);

        foreach (var registrations in staticPlugins)
        {
            var (ids, ops) = registrations.MergeInto(catalog, conflicts);
            infos.Add(new LoadedPluginInfo(registrations.Source.Name, null, registrations.Version, GenPipeContract.Version, ids, ops));
        }

        var loaded = LoadFromDisk(pluginPaths, catalog, conflicts, failures, infos, logger);
        foreach (var failure in failures)
        {
            logger.LogWarning("Plugin skipped: {Failure}", failure);
        }

        foreach (var conflict in conflicts)
        {
            logger.LogWarning("{Conflict}", conflict.Message);
        }

        var pluginServices = BuildPluginServices(loaded, hostServices);
        var report = new PluginLoadReport(infos, failures, conflicts);
        return new PluginHost(catalog.Build(), report, loaded, (IServiceProvider?)pluginServices ?? hostServices, pluginServices);
    }

    /// <summary>Disposes the plugins' services and starts unloading their contexts.</summary>
    public void Dispose()
    {
        _pluginServices?.Dispose();
        foreach (var plugin in _loaded)
        {
            plugin.Unload();
        }
    }

    private static List<LoadedPlugin> LoadFromDisk(
        IEnumerable<string> pluginPaths,
        ComponentCatalogBuilder catalog,
        List<CatalogConflict> conflicts,
        List<PluginLoadFailure> failures,
        List<LoadedPluginInfo> infos,
        ILogger logger)
    {
        var loaded = new List<LoadedPlugin>();
        foreach (string dll in DiscoverAll(pluginPaths, failures))
        {
            var plugin = PluginLoader.TryLoad(dll, out var failure);
            if (plugin is null)
            {
                failures.Add(failure!);
                continue;
            }

            loaded.Add(plugin);
            var (ids, ops) = plugin.Registrations.MergeInto(catalog, conflicts);
            infos.Add(new LoadedPluginInfo(plugin.Name, plugin.AssemblyPath, plugin.Version, plugin.ContractVersion, ids, ops));
            if (logger.IsEnabled(LogLevel.Debug))
            {
                logger.LogDebug("Loaded plugin {Plugin} from {Path}: {Components} components, {Operators} operators", plugin.Name, plugin.AssemblyPath, ids.Count, ops.Count);
            }
        }

        return loaded;
    }

    // The host's container was built before these plugins loaded, so their services get a container of their own,
    // consulted before the host's. It gets the host's logging so plugin services can take ILogger<T>.
    private static PluginServiceProvider? BuildPluginServices(List<LoadedPlugin> loaded, IServiceProvider hostServices)
    {
        IServiceCollection services = new ServiceCollection();
        foreach (var descriptor in loaded.SelectMany(p => p.Registrations.Services))
        {
            services.Add(descriptor);
        }

        if (services.Count == 0)
        {
            return null;
        }

        if (hostServices.GetService(typeof(ILoggerFactory)) is ILoggerFactory loggerFactory)
        {
            services.TryAddSingleton(loggerFactory);
            services.TryAdd(ServiceDescriptor.Singleton(typeof(ILogger<>), typeof(Logger<>)));
        }

        return new PluginServiceProvider(services.BuildServiceProvider(), hostServices);
    }

    private static IEnumerable<string> DiscoverAll(IEnumerable<string> paths, List<PluginLoadFailure> failures)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string path in paths)
        {
            var (found, problems) = PluginDiscovery.Find(path);
            failures.AddRange(problems);
            foreach (string dll in found.Where(seen.Add))
            {
                yield return dll;
            }
        }
    }
}
