namespace GenPipe.Hosting.Plugins;

/// <summary>Finds plugin assemblies: <c>&lt;root&gt;/&lt;Id&gt;/&lt;Id&gt;.dll</c>, a plugin folder itself, or a dll.</summary>
public static class PluginDiscovery
{
    /// <summary>
    /// The plugin assemblies at <paramref name="path"/>, in ordinal name order, and the problems found on the way
    /// (a missing folder, a subfolder without its <c>&lt;Id&gt;.dll</c>).
    /// </summary>
    public static (IReadOnlyList<string> AssemblyPaths, IReadOnlyList<PluginLoadFailure> Failures) Find(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        if (File.Exists(full))
        {
            return ([full], []);
        }

        if (!Directory.Exists(full))
        {
            return ([], [new PluginLoadFailure(full, "Plugin folder not found. Check the path in PluginFolders or --plugins.")]);
        }

        // A folder given directly: plugins/MyPlugin holding MyPlugin.dll.
        string direct = Path.Combine(full, Path.GetFileName(Path.TrimEndingDirectorySeparator(full)) + ".dll");
        if (File.Exists(direct))
        {
            return ([direct], []);
        }

        var found = new List<string>();
        var failures = new List<PluginLoadFailure>();
        foreach (string folder in Directory.GetDirectories(full).Order(StringComparer.Ordinal))
        {
            string id = Path.GetFileName(folder);
            string dll = Path.Combine(folder, id + ".dll");
            if (File.Exists(dll))
            {
                found.Add(dll);
            }
            else
            {
                failures.Add(new PluginLoadFailure(folder,
                    $"No {id}.dll in this folder. A plugin folder is named after its assembly: {id}/{id}.dll with {id}.deps.json beside it."));
            }
        }

        return (found, failures);
    }
}
