using System.Reflection;
using GenPipe.Nn.Checkpoints;

namespace GenPipe.Diffusion.Diffusers;

/// <summary>
/// A component whose <c>source</c> is an original SD 1.x single-file checkpoint: its architecture comes from the
/// component's <c>config_folder</c> option (a diffusers model folder or the component's own folder), or from the
/// bundled SD 1.5 configs (<c>Sd15Configs/</c>).
/// </summary>
internal static class SingleFileSource
{
    /// <summary>True when <paramref name="source"/> is a file rather than a folder.</summary>
    public static bool IsSingleFile(string? source) => source is not null && File.Exists(source);

    /// <summary>
    /// Pixels per latent for a single-file checkpoint: from the VAE config of <paramref name="configFolder"/> when it is
    /// a diffusers model folder, else Stable Diffusion's (the bundled SD 1.5 VAE, or a lone unet/ folder's unknown VAE).
    /// </summary>
    public static int PixelsPerLatent(string? configFolder)
    {
        if (string.IsNullOrEmpty(configFolder) || !DiffusersPipelineFolder.IsPipelineFolder(Path.GetFullPath(configFolder)))
        {
            var (json, origin) = Config("vae", null);
            return DiffusersSource.PixelsPerLatent(GenPipe.Nn.Models.Vae.AutoencoderKLConfig.Parse(json, origin));
        }

        return DiffusersSource.PixelsPerLatent(Path.Combine(Path.GetFullPath(configFolder), "vae"));
    }

    /// <summary>
    /// The config JSON for <paramref name="role"/> (<c>unet</c>, <c>vae</c>, <c>text_encoder</c>) and where it came from.
    /// </summary>
    public static (string Json, string Origin) Config(string role, string? configFolder)
    {
        if (string.IsNullOrEmpty(configFolder))
        {
            string resource = $"GenPipe.Diffusion.Diffusers.Sd15Configs.{role}.json";
            using var stream = typeof(SingleFileSource).Assembly.GetManifestResourceStream(resource)
                ?? throw new InvalidOperationException($"The bundled SD 1.5 config {resource} is missing from the plugin.");
            using var reader = new StreamReader(stream);
            return (reader.ReadToEnd(), $"the bundled SD 1.5 {role} config");
        }

        string folder = Path.GetFullPath(configFolder);
        if (DiffusersPipelineFolder.IsPipelineFolder(folder))
        {
            folder = DiffusersPipelineFolder.Open(folder).ComponentFolder(role);
        }

        string path = Path.Combine(folder, "config.json");
        return File.Exists(path)
            ? (File.ReadAllText(path), path)
            : throw new FileNotFoundException(
                $"config_folder {configFolder}: no config.json there or in its {role}/ folder; name a diffusers model folder whose architecture the checkpoint has.", path);
    }
}
