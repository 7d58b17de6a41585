namespace GenPipe.Bench.Sd15;

/// <summary>The three Stable Diffusion networks the bench times, as the command line and the input files name them.</summary>
internal enum SdComponent
{
    /// <summary>The UNet: <c>sample</c> [B, 4, h, w], <c>timestep</c> [B], <c>encoder_hidden_states</c> [B, 77, 768] in; the noise prediction out.</summary>
    Unet,

    /// <summary>The VAE decoder (<c>post_quant_conv</c> and the decoder): <c>latent_sample</c> [B, 4, h, w] in; the image out.</summary>
    Vae,

    /// <summary>The CLIP text encoder: <c>input_ids</c> [B, 77] (int64) in; the last hidden state out.</summary>
    Clip,
}

/// <summary>Names of the components and of their model-folder subfolders.</summary>
internal static class SdComponents
{
    /// <summary>Reads a component name as the orchestrator writes it: <c>unet</c>, <c>vae</c> or <c>clip</c>.</summary>
    /// <exception cref="ArgumentException">Another name; the message lists the three.</exception>
    public static SdComponent Parse(string name) => name switch
    {
        "unet" => SdComponent.Unet,
        "vae" => SdComponent.Vae,
        "clip" => SdComponent.Clip,
        _ => throw new ArgumentException($"Unknown component '{name}'; use unet, vae or clip."),
    };

    /// <summary>The command-line name.</summary>
    public static string Name(this SdComponent component) => component switch
    {
        SdComponent.Unet => "unet",
        SdComponent.Vae => "vae",
        _ => "clip",
    };

    /// <summary>The subfolder of a diffusers model folder that holds the component.</summary>
    public static string Subfolder(this SdComponent component) => component switch
    {
        SdComponent.Unet => "unet",
        SdComponent.Vae => "vae",
        _ => "text_encoder",
    };

    /// <summary>The ONNX graph's input names, in order, as bench/torch/sd15_export.py exports them.</summary>
    public static string[] InputNames(this SdComponent component) => component switch
    {
        SdComponent.Unet => ["sample", "timestep", "encoder_hidden_states"],
        SdComponent.Vae => ["latent_sample"],
        _ => ["input_ids"],
    };
}
