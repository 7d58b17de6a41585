using System.Reflection;
using System.Runtime.InteropServices;

namespace GenPipe.Hosting.Plugins;

/// <summary>
/// Native libraries copied into a plugin's folder by hand or by a build step, which the plugin's <c>.deps.json</c> does
/// not list. McMaster.NETCore.Plugins resolves the listed ones (a package's <c>runtimes/&lt;rid&gt;/native</c> files) but
/// probes the folder only for names written with their suffix (<c>"foo.so"</c>), so <c>[LibraryImport("foo")]</c>
/// would fall through to the runtime's own search, whose process-wide cache is keyed by name: two plugins each shipping
/// their own <c>libfoo.so</c> would both get the first one loaded. A resolver on the plugin's assembly runs before
/// that search and picks the file from this plugin's folder.
/// </summary>
internal static class PluginFolderNativeLibraries
{
    /// <summary>Makes <paramref name="pluginAssembly"/>'s native imports look in its own folder first.</summary>
    public static void Register(Assembly pluginAssembly, string folder) =>
        NativeLibrary.SetDllImportResolver(pluginAssembly, (name, _, _) =>
            Find(folder, name) is { } path ? NativeLibrary.Load(path) : IntPtr.Zero);

    /// <summary>The file in <paramref name="folder"/> that native library <paramref name="name"/> names, or null.</summary>
    public static string? Find(string folder, string name) =>
        FileNames(name).Select(file => Path.Combine(folder, file)).FirstOrDefault(File.Exists);

    // The platform's spellings of a [DllImport] name: "foo" is libfoo.so, foo.so or foo on Linux; foo.dll on Windows.
    private static IEnumerable<string> FileNames(string name)
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
