using GenPipe.Nn.Checkpoints;
using GenPipe.Nn.Models.Vae;

namespace GenPipe.Diffusion.Diffusers;

/// <summary>
/// Where a diffusers-architecture component's files are, from its <c>source</c>: the component's own folder
/// (<c>config.json</c> beside its weights), or a whole pipeline folder (<c>model_index.json</c>), whose subfolder of the
/// component's role (<c>unet</c>, <c>vae</c>, <c>text_encoder</c>) is taken.
/// </summary>
internal static class DiffusersSource
{
    /// <summary>
    /// What a component of this folder will hold once loaded on the CPU, from its weights' headers: every weight as
    /// float32 plus the packed copy the convolutions and matrix products read, so twice that. 0 when the weights
    /// cannot be found (loading then reports why).
    /// </summary>
    public static long EstimateBytes(string componentName, string typeId, string? source, string role, string? variant)
    {
        // Reading the weights' headers is also the early check of the source: a folder of neither kind, missing or
        // pickled weights and corrupt headers throw here, so the pipeline is refused before it runs.
        bool single = SingleFileSource.IsSingleFile(source);
        string prefix = !single ? "" : role switch
        {
            "unet" => LdmCheckpointNames.UNetPrefix,
            "vae" => LdmCheckpointNames.VaePrefix,
            _ => LdmCheckpointNames.TextEncoderPrefix,
        };
        using var weights = single
            ? MultiFileWeightSource.Open([source!])
            : WeightFiles.Open(ComponentFolder(componentName, typeId, source, role), string.IsNullOrEmpty(variant) ? null : variant);
        return 2 * sizeof(float) * weights.ElementCount(prefix);
    }

    /// <summary>
    /// Pixels per latent of the VAE in <paramref name="vaeFolder"/> (2 to the number of its downsampling levels), or
    /// Stable Diffusion's 8 when there is none.
    /// </summary>
    public static int PixelsPerLatent(string vaeFolder)
    {
        string config = Path.Combine(vaeFolder, "config.json");
        return File.Exists(config) ? PixelsPerLatent(AutoencoderKLConfig.Load(config)) : UNetDenoiser.DefaultPixelsPerLatent;
    }

    /// <summary>Pixels per latent of a VAE of <paramref name="config"/>, as diffusers computes <c>vae_scale_factor</c>.</summary>
    public static int PixelsPerLatent(AutoencoderKLConfig config) => 1 << (config.BlockOutChannels.Count - 1);

    /// <summary>The folder holding the component's <c>config.json</c> and weights.</summary>
    /// <exception cref="InvalidDataException">The source is neither, or a pipeline folder lacks the role.</exception>
    public static string ComponentFolder(string componentName, string typeId, string? source, string role, params string[] classes)
    {
        string path = source ?? throw new InvalidOperationException($"Component '{componentName}' ({typeId}) needs a \"source\": a model folder.");
        if (File.Exists(path))
        {
            throw new InvalidDataException(
                $"Component '{componentName}' ({typeId}): {path} is a file; give the model's folder (with model_index.json), the component's folder (with config.json), or an SD 1.x single-file .safetensors checkpoint.");
        }

        if (DiffusersPipelineFolder.IsPipelineFolder(path))
        {
            return DiffusersPipelineFolder.Open(path).ComponentFolder(role, classes);
        }

        return File.Exists(Path.Combine(path, "config.json"))
            ? path
            : throw new InvalidDataException(
                $"Component '{componentName}' ({typeId}): {path} has neither model_index.json (a diffusers model folder) nor config.json (a {role} folder).");
    }
}
