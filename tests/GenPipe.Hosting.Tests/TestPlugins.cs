namespace GenPipe.Hosting.Tests;

/// <summary>Where the build put the test plugins (see TestPlugins.targets), and scratch copies of them.</summary>
internal static class TestPlugins
{
    public static string Root { get; } = Path.Combine(AppContext.BaseDirectory, "testplugins");

    public static string Folder(string name) => Path.Combine(Root, name);

    public static string Dll(string name) => Path.Combine(Root, name, name + ".dll");

    // One scratch folder per test run, removed when the run ends.
    private static readonly Lazy<string> s_scratch = new(() =>
    {
        string path = Path.Combine(Path.GetTempPath(), "genpipe-hosting-tests-" + Environment.ProcessId + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(path);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(path, recursive: true);
            }
            catch (IOException)
            {
                // A native library still mapped on some platforms; the OS cleans the temp folder eventually.
            }
        };
        return path;
    });

    /// <summary>A fresh, empty folder under this run's scratch folder.</summary>
    public static string NewTempFolder()
    {
        string path = Path.Combine(s_scratch.Value, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Copies plugin <paramref name="name"/> to <c>&lt;root&gt;/&lt;name&gt;</c> and returns that folder.</summary>
    public static string CopyTo(string root, string name)
    {
        string target = Path.Combine(root, name);
        Directory.CreateDirectory(target);
        foreach (string file in Directory.GetFiles(Folder(name)))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }

        return target;
    }
}
