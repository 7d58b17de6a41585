using System.Reflection;
using System.Runtime.Loader;

namespace GenPipe.Hosting.Plugins;

/// <summary>
/// One collectible load context per plugin. Shared assemblies (<see cref="SharedAssemblies"/>) come from the host so
/// types unify; everything else the plugin's <c>.deps.json</c> lists, managed or native, comes from the plugin's own
/// folder, so two plugins may use different versions of the same library.
/// </summary>
public sealed class PluginLoadContext : AssemblyLoadContext
{
    private readonly AssemblyDependencyResolver _resolver;

    /// <summary>Creates a context for the plugin assembly at <paramref name="pluginAssemblyPath"/>.</summary>
    public PluginLoadContext(string pluginAssemblyPath)
        : base(name: Path.GetFileNameWithoutExtension(pluginAssemblyPath), isCollectible: true)
    {
        ArgumentException.ThrowIfNullOrEmpty(pluginAssemblyPath);
        PluginAssemblyPath = Path.GetFullPath(pluginAssemblyPath);
        _resolver = new AssemblyDependencyResolver(PluginAssemblyPath);
    }

    /// <summary>The full path of the plugin's main assembly.</summary>
    public string PluginAssemblyPath { get; }

    /// <summary>Loads the plugin's main assembly into this context.</summary>
    public Assembly LoadPluginAssembly() => LoadFromAssemblyPath(PluginAssemblyPath);

    /// <inheritdoc />
    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (SharedAssemblies.Contains(assemblyName.Name))
        {
            // Null defers to the default context: the host's copy, so the plugin sees the host's contract types.
            return null;
        }

        string? path = _resolver.ResolveAssemblyToPath(assemblyName);
        return path is null ? null : LoadFromAssemblyPath(path);
    }

    /// <inheritdoc />
    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        string? path = _resolver.ResolveUnmanagedDllToPath(unmanagedDllName);
        return path is null ? IntPtr.Zero : LoadUnmanagedDllFromPath(path);
    }
}
