using System.Reflection;
using GenPipe.Abstractions.Plugins;
using McMaster.NETCore.Plugins;
using GenPipe.Core.Catalog;
using Microsoft.Extensions.DependencyInjection;

namespace GenPipe.Hosting.Plugins;

/// <summary>
/// Loads one plugin assembly and runs its entry points. The load context is McMaster.NETCore.Plugins': collectible, one
/// per plugin, the plugin's <c>.deps.json</c> deciding its private managed and native dependencies (so two plugins may
/// use different versions of one library), the <see cref="SharedAssemblies"/> coming from the host so contract types
/// unify. What this class adds is GenPipe's: the contract version is checked from metadata before any plugin code
/// loads, and it never throws for a bad plugin: every problem (corrupt file, newer contracts, no entry point, an entry
/// point that throws) becomes a <see cref="PluginLoadFailure"/>, and the half-loaded context is unloaded.
/// </summary>
public static class PluginLoader
{
    /// <summary>Loads the plugin at <paramref name="assemblyPath"/>; returns null and sets <paramref name="failure"/> when it cannot.</summary>
    public static LoadedPlugin? TryLoad(string assemblyPath, out PluginLoadFailure? failure)
    {
        ArgumentException.ThrowIfNullOrEmpty(assemblyPath);
        string path = Path.GetFullPath(assemblyPath);
        string name = Path.GetFileNameWithoutExtension(path);
        failure = null;

        Version? contractVersion;
        try
        {
            if (PluginContractCheck.Check(name, path) is { } refusal)
            {
                failure = new PluginLoadFailure(path, refusal);
                return null;
            }

            contractVersion = PluginContractCheck.ReadReferencedContractVersion(path);
        }
        catch (Exception ex) when (ex is BadImageFormatException or IOException or UnauthorizedAccessException)
        {
            failure = new PluginLoadFailure(path, $"Plugin '{name}' is not a readable .NET assembly ({ex.Message}). Rebuild or reinstall it.");
            return null;
        }

        McMaster.NETCore.Plugins.PluginLoader? loader = null;
        try
        {
            loader = CreateLoader(path);
            Assembly assembly = loader.LoadDefaultAssembly();
            PluginFolderNativeLibraries.Register(assembly, Path.GetDirectoryName(path)!);
            string pluginName = assembly.GetName().Name ?? name;
            var registrations = new PluginRegistrations(new CatalogSource(pluginName, path), new ServiceCollection());
            var entryPoints = FindEntryPoints(assembly);
            if (entryPoints.Count == 0)
            {
                failure = new PluginLoadFailure(path,
                    $"Plugin '{pluginName}' has no entry point: add a public non-abstract class implementing " +
                    $"{typeof(IGenPipePlugin).FullName} with a public parameterless constructor.");
                loader.Dispose();
                return null;
            }

            foreach (var type in entryPoints)
            {
                var plugin = (IGenPipePlugin)Activator.CreateInstance(type)!;
                plugin.Configure(registrations);
            }

            return new LoadedPlugin(loader, path, assembly, contractVersion, registrations);
        }
        catch (Exception ex)
        {
            var cause = ex is TargetInvocationException { InnerException: { } inner } ? inner : ex;
            failure = new PluginLoadFailure(path, $"Plugin '{name}' failed to load: {cause.GetType().Name}: {cause.Message}");
            loader?.Dispose();
            return null;
        }
    }

    private static McMaster.NETCore.Plugins.PluginLoader CreateLoader(string path)
    {
        // Private by default (PreferSharedTypes off): only the shared list unifies with the host, so a plugin's own
        // TestLib 2.0 is not replaced by another copy the host happens to have.
        var config = new PluginConfig(path) { IsUnloadable = true, PreferSharedTypes = false };
        foreach (string name in SharedAssemblies.Names)
        {
            config.SharedAssemblies.Add(new AssemblyName(name));
        }

        return new McMaster.NETCore.Plugins.PluginLoader(config);
    }

    /// <summary>Public, non-abstract classes implementing <see cref="IGenPipePlugin"/> with a parameterless constructor, by name.</summary>
    public static IReadOnlyList<Type> FindEntryPoints(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        return assembly.GetExportedTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false, ContainsGenericParameters: false }
                && typeof(IGenPipePlugin).IsAssignableFrom(t)
                && t.GetConstructor(Type.EmptyTypes) is not null)
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .ToArray();
    }
}
