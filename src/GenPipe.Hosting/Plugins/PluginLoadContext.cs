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

    /// <summary>
    /// The path of native library <paramref name="name"/> (as written in <c>[DllImport]</c>) for this plugin, or null to
    /// let the runtime search as usual. The plugin's <c>.deps.json</c> decides first (native assets of its packages, such
    /// as <c>runtimes/linux-x64/native/libfoo.so</c>); then the plugin folder itself is probed with the platform's
    /// naming (<c>libfoo.so</c>, <c>foo.dll</c>, ...), because a library copied in by hand or by a build step is not
    /// listed in <c>.deps.json</c>.
    /// </summary>
    public string? ResolveNativeLibrary(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (_resolver.ResolveUnmanagedDllToPath(name) is { } listed)
        {
            return listed;
        }

        string folder = Path.GetDirectoryName(PluginAssemblyPath)!;
        return NativeFileNames(name).Select(file => Path.Combine(folder, file)).FirstOrDefault(File.Exists);
    }

    /// <inheritdoc />
    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        string? path = ResolveNativeLibrary(unmanagedDllName);
        return path is null ? IntPtr.Zero : LoadUnmanagedDllFromPath(path);
    }

    private static IEnumerable<string> NativeFileNames(string name)
    {
        if (Path.IsPathRooted(name) || name.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            yield break;
        }

        string suffix = OperatingSystem.IsWindows() ? ".dll" : OperatingSystem.IsMacOS() ? ".dylib" : ".so";
        bool hasSuffix = name.EndsWith(suffix, StringComparison.OrdinalIgnoreCase);
        if (!OperatingSystem.IsWindows())
        {
            yield return hasSuffix ? "lib" + name : $"lib{name}{suffix}";
        }

        yield return hasSuffix ? name : name + suffix;
        yield return name;
    }
}
