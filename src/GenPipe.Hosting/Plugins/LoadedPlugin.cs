using System.Reflection;
using System.Runtime.Loader;
using GenPipe.Core.Catalog;

namespace GenPipe.Hosting.Plugins;

/// <summary>A plugin loaded from disk into its own collectible load context, with what it registered.</summary>
public sealed class LoadedPlugin
{
    private readonly McMaster.NETCore.Plugins.PluginLoader _loader;

    internal LoadedPlugin(McMaster.NETCore.Plugins.PluginLoader loader, string assemblyPath, Assembly assembly, Version? contractVersion, PluginRegistrations registrations)
    {
        _loader = loader;
        AssemblyPath = assemblyPath;
        Assembly = assembly;
        ContractVersion = contractVersion;
        Registrations = registrations;
    }

    /// <summary>The plugin's assembly name.</summary>
    public string Name => Registrations.Source.Name;

    /// <summary>The plugin's assembly path.</summary>
    public string AssemblyPath { get; }

    /// <summary>The plugin's assembly version.</summary>
    public Version? Version => Assembly.GetName().Version;

    /// <summary>The GenPipe contract version the plugin was built against.</summary>
    public Version? ContractVersion { get; }

    /// <summary>The plugin's main assembly.</summary>
    public Assembly Assembly { get; }

    /// <summary>The context the plugin lives in.</summary>
    public AssemblyLoadContext Context => _loader.LoadContext;

    /// <summary>What the plugin's entry points registered, attributed to <see cref="CatalogSource"/>.</summary>
    public PluginRegistrations Registrations { get; }

    /// <summary>
    /// Starts unloading the plugin's context. It is collected once nothing refers to its types any more (catalog
    /// entries, created components, services), so drop those first.
    /// </summary>
    public void Unload() => _loader.Dispose();
}
