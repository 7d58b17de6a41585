namespace GenPipe.Nn.Checkpoints;

/// <summary>
/// An original Stable Diffusion 1.x single-file checkpoint (<c>v1-5-pruned-emaonly.safetensors</c> and fine-tunes in
/// that layout): one file holding the UNet (<c>model.diffusion_model.*</c>), the VAE (<c>first_stage_model.*</c>) and
/// the CLIP text encoder (<c>cond_stage_model.transformer.*</c>), presented per model under diffusers' names
/// (<see cref="LdmCheckpointNames"/>). The file has no configs: the caller supplies the architecture.
/// </summary>
public sealed class SingleFileCheckpoint : IDisposable
{
    private readonly MultiFileWeightSource _file;

    private SingleFileCheckpoint(MultiFileWeightSource file) => _file = file;

    /// <summary>Opens <paramref name="path"/> (safetensors only; pickles are refused with a way to convert them).</summary>
    /// <exception cref="InvalidDataException">A pickle, or a file without the UNet of an SD 1.x checkpoint.</exception>
    public static SingleFileCheckpoint Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (PickleRefusal.IsPickle(path))
        {
            throw PickleRefusal.For(path);
        }

        var file = MultiFileWeightSource.Open([path]);
        try
        {
            if (!file.Names.Any(n => n.StartsWith(LdmCheckpointNames.UNetPrefix, StringComparison.Ordinal)))
            {
                string sample = string.Join(", ", file.Names.Order(StringComparer.Ordinal).Take(3));
                throw new InvalidDataException(
                    $"{path} is not a Stable Diffusion 1.x single-file checkpoint: no tensor starts with '{LdmCheckpointNames.UNetPrefix}' (it starts with {sample}). " +
                    "A diffusers folder (model_index.json) or a component's own weights file is loaded from its folder instead.");
            }

            return new SingleFileCheckpoint(file);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>The file.</summary>
    public string Path => _file.Description;

    /// <summary>The raw tensors under their original names.</summary>
    public IWeightSource Raw => _file;

    /// <summary>The UNet's weights under diffusers' names, for a UNet of <paramref name="layout"/>.</summary>
    public RenamedWeightSource UNet(UNetLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        return new RenamedWeightSource(_file, LdmCheckpointNames.UNetPrefix, n => LdmCheckpointNames.UNet(n, layout), $"{Path} (unet)");
    }

    /// <summary>The VAE's weights under diffusers' names, for a VAE of <paramref name="levels"/> resolution levels.</summary>
    public RenamedWeightSource Vae(int levels) =>
        new(_file, LdmCheckpointNames.VaePrefix, n => LdmCheckpointNames.Vae(n, levels), $"{Path} (vae)");

    /// <summary>The text encoder's weights under transformers' names.</summary>
    public RenamedWeightSource TextEncoder() =>
        new(_file, LdmCheckpointNames.TextEncoderPrefix, LdmCheckpointNames.TextEncoder, $"{Path} (text encoder)");

    /// <inheritdoc />
    public void Dispose() => _file.Dispose();
}
