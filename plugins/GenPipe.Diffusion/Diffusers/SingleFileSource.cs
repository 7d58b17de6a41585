using System.Reflection;
using GenPipe.Nn.Checkpoints;

namespace GenPipe.Diffusion.Diffusers;

/// <summary>
/// A component whose <c>source</c> is an original SD 1.x single-file checkpoint: its architecture (and the text
/// encoder's tokenizer) comes from the component's <c>config_folder</c> option (a diffusers model folder or the
/// component's own folder), or from the bundled weightless SD 1.5 folder (<c>Sd15/</c> beside the plugin).
/// </summary>
internal static class SingleFileSource
{
    /// <summary>The bundled SD 1.5 folder: configs and tokenizer, laid out as a diffusers model folder, without weights.</summary>
    public static string BundledFolder { get; } =
        Path.Combine(Path.GetDirectoryName(typeof(SingleFileSource).Assembly.Location) ?? AppContext.BaseDirectory, "Sd15");

    /// <summary>True when <paramref name="source"/> is a file rather than a folder.</summary>
    public static bool IsSingleFile(string? source) => source is not null && File.Exists(source);

    /// <summary>
    /// Pixels per latent for a single-file checkpoint: from the VAE config of <paramref name="configFolder"/> when it is
    /// a diffusers model folder, else Stable Diffusion's (the bundled SD 1.5 VAE, or a lone unet/ folder's unknown VAE).
    /// </summary>
    public static int PixelsPerLatent(string? configFolder)
    {
        if (!string.IsNullOrEmpty(configFolder) && !DiffusersPipelineFolder.IsPipelineFolder(Path.GetFullPath(configFolder)))
        {
            return DiffusersSource.PixelsPerLatent(BundledRole("vae"));
        }

        return DiffusersSource.PixelsPerLatent(Path.Combine(ConfigFolder(configFolder), "vae"));
    }

    /// <summary>
    /// The config JSON for <paramref name="role"/> (<c>unet</c>, <c>vae</c>, <c>text_encoder</c>) and where it came from.
    /// </summary>
    public static (string Json, string Origin) Config(string role, string? configFolder)
    {
        string folder = ConfigFolder(configFolder);
        if (DiffusersPipelineFolder.IsPipelineFolder(folder) || string.IsNullOrEmpty(configFolder))
        {
            folder = string.IsNullOrEmpty(configFolder) ? BundledRole(role) : DiffusersPipelineFolder.Open(folder).ComponentFolder(role);
        }

        string path = Path.Combine(folder, "config.json");
        return File.Exists(path)
            ? (File.ReadAllText(path), path)
            : throw new FileNotFoundException(
                $"config_folder {configFolder}: no config.json there or in its {role}/ folder; name a diffusers model folder whose architecture the checkpoint has.", path);
    }

    /// <summary>The folder a single-file checkpoint's configs and tokenizer come from: <paramref name="configFolder"/>, else the bundled one.</summary>
    public static string ConfigFolder(string? configFolder) =>
        string.IsNullOrEmpty(configFolder) ? BundledFolder : Path.GetFullPath(configFolder);

    /// <summary>
    /// Loads a model from a single-file checkpoint; when its weights do not fit the architecture read from
    /// <paramref name="origin"/>, the error says so and how to name the right one.
    /// </summary>
    public static T Load<T>(Func<T> load, string role, string origin, string? configFolder)
    {
        ArgumentNullException.ThrowIfNull(load);
        try
        {
            return load();
        }
        catch (GenPipe.Nn.WeightBindingException ex)
        {
            string fix = string.IsNullOrEmpty(configFolder)
                ? $"the checkpoint is not Stable Diffusion 1.5's {role} architecture ({origin}); set the component's config_folder option to a diffusers folder (or its {role}/ folder) whose config describes it"
                : $"the checkpoint does not have the {role} architecture of {origin}; set config_folder to a diffusers folder whose config describes it";
            throw new InvalidDataException($"{ex.Message}\n  fix: {fix}.", ex);
        }
    }

    private static string BundledRole(string role)
    {
        string folder = Path.Combine(BundledFolder, role);
        return Directory.Exists(folder)
            ? folder
            : throw new DirectoryNotFoundException($"The plugin's bundled SD 1.5 folder {BundledFolder} has no {role}/; reinstall the plugin.");
    }
}
