namespace GenPipe.Nn.Tests.Diffusers;

/// <summary>
/// The upstream-made Stable Diffusion 1.x fixtures (tests/Fixtures/sd15, copied beside the tests) and any more folders
/// of the same layout under <c>GENPIPE_SD_FIXTURES</c>.
/// </summary>
internal static class Sd15Fixtures
{
    /// <summary>The environment variable naming another folder of fixture subfolders.</summary>
    public const string ExtraFoldersVariable = "GENPIPE_SD_FIXTURES";

    /// <summary>The bundled fixture folder.</summary>
    public static string Root => Path.Combine(AppContext.BaseDirectory, "Fixtures", "sd15");

    /// <summary>One bundled fixture subfolder, e.g. <c>unet_tiny</c>.</summary>
    public static string Folder(string name) => Path.Combine(Root, name);

    /// <summary>
    /// Every fixture subfolder with a <c>config.json</c>: the bundled ones, then those under
    /// <see cref="ExtraFoldersVariable"/> (when set), sorted by path.
    /// </summary>
    public static IEnumerable<string> All()
    {
        var roots = new List<string> { Root };
        if (Environment.GetEnvironmentVariable(ExtraFoldersVariable) is { Length: > 0 } extra)
        {
            roots.Add(extra);
        }

        return roots
            .Where(Directory.Exists)
            .SelectMany(root => Directory.GetDirectories(root).Order(StringComparer.Ordinal))
            .Where(folder => File.Exists(Path.Combine(folder, "config.json")));
    }
}
