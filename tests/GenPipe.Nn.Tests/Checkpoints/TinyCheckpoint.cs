using System.Text.RegularExpressions;
using GenPipe.Nn.Checkpoints;
using GenPipe.Nn.Tests.Diffusers;
using GenPipe.Tensors;
using GenPipe.Tensors.SafeTensors;

namespace GenPipe.Nn.Tests.Checkpoints;

/// <summary>
/// A single-file SD checkpoint built from the tiny fixtures by renaming every tensor to the original (LDM) layout,
/// with an inverse written here independently of <see cref="LdmCheckpointNames"/>.
/// </summary>
internal static class TinyCheckpoint
{
    /// <summary>Writes the checkpoint into <paramref name="folder"/> and returns its path and the fixture tensors it holds.</summary>
    public static (string Path, Dictionary<string, Tensor> UNet, Dictionary<string, Tensor> Vae, Dictionary<string, Tensor> Clip) Build(string folder)
    {
        var unet = Weights("unet_tiny", "diffusion_pytorch_model.safetensors");
        var vae = Weights("vae_kl_tiny", "diffusion_pytorch_model.safetensors");
        var clip = Weights("clip_text_tiny", "model.safetensors");
        string path = Path.Combine(folder, "tiny-sd.safetensors");
        var writer = new SafeTensorsWriter();
        foreach (var (name, tensor) in unet)
        {
            writer.Add(LdmCheckpointNames.UNetPrefix + ToLdmUNet(name), tensor);
        }

        foreach (var (name, tensor) in vae)
        {
            // LDM keeps the VAE attention's projections as 1x1 convolutions.
            bool conv = Regex.IsMatch(name, @"attentions\.0\.to_(q|k|v|out\.0)\.weight$");
            writer.Add(LdmCheckpointNames.VaePrefix + ToLdmVae(name), conv ? tensor.Reshape(tensor.Dim(0), tensor.Dim(1), 1, 1) : tensor);
        }

        foreach (var (name, tensor) in clip)
        {
            writer.Add(LdmCheckpointNames.TextEncoderPrefix + name, tensor);
        }

        writer.Add(LdmCheckpointNames.TextEncoderPrefix + "text_model.embeddings.position_ids", new Tensor(new float[77], 1, 77));
        writer.Add("alphas_cumprod", new Tensor(new float[1000], 1000));
        writer.Save(path);
        return (path, unet, vae, clip);
    }

    internal static Dictionary<string, Tensor> Weights(string fixture, string file)
    {
        using var source = SafeTensorsFile.Open(Path.Combine(Sd15Fixtures.Folder(fixture), file));
        return source.Entries.Keys.ToDictionary(n => n, n => new Tensor(source.Load(n).View.ToArray(), source.Entries[n].Shape));
    }

    // The inverse of the mapping for unet_tiny, spelled out: LDM numbers a level's resnets and its resampler
    // consecutively (3 per level here), input block 0 being conv_in.
    private static string ToLdmUNet(string name)
    {
        string Resnet(string rest) => Regex.Replace(rest, @"^(norm1|conv1|time_emb_proj|norm2|conv2|conv_shortcut)\.", m => m.Groups[1].Value switch
        {
            "norm1" => "in_layers.0.",
            "conv1" => "in_layers.2.",
            "time_emb_proj" => "emb_layers.1.",
            "norm2" => "out_layers.0.",
            "conv2" => "out_layers.3.",
            _ => "skip_connection.",
        });

        Match m;
        if ((m = Regex.Match(name, @"^down_blocks\.(\d)\.resnets\.(\d)\.(.*)$")).Success)
        {
            return $"input_blocks.{1 + (3 * Int(m, 1)) + Int(m, 2)}.0.{Resnet(m.Groups[3].Value)}";
        }

        if ((m = Regex.Match(name, @"^down_blocks\.(\d)\.attentions\.(\d)\.(.*)$")).Success)
        {
            return $"input_blocks.{1 + (3 * Int(m, 1)) + Int(m, 2)}.1.{m.Groups[3].Value}";
        }

        if ((m = Regex.Match(name, @"^down_blocks\.(\d)\.downsamplers\.0\.conv\.(.*)$")).Success)
        {
            return $"input_blocks.{3 + (3 * Int(m, 1))}.0.op.{m.Groups[2].Value}";
        }

        if ((m = Regex.Match(name, @"^up_blocks\.(\d)\.resnets\.(\d)\.(.*)$")).Success)
        {
            return $"output_blocks.{(3 * Int(m, 1)) + Int(m, 2)}.0.{Resnet(m.Groups[3].Value)}";
        }

        if ((m = Regex.Match(name, @"^up_blocks\.(\d)\.attentions\.(\d)\.(.*)$")).Success)
        {
            return $"output_blocks.{(3 * Int(m, 1)) + Int(m, 2)}.1.{m.Groups[3].Value}";
        }

        if ((m = Regex.Match(name, @"^up_blocks\.(\d)\.upsamplers\.0\.(.*)$")).Success)
        {
            // After the resnets (and the attention, on a cross-attention level).
            int part = Int(m, 1) == 1 ? 2 : 1;
            return $"output_blocks.{(3 * Int(m, 1)) + 2}.{part}.{m.Groups[2].Value}";
        }

        if ((m = Regex.Match(name, @"^mid_block\.(resnets\.0|attentions\.0|resnets\.1)\.(.*)$")).Success)
        {
            return m.Groups[1].Value switch
            {
                "resnets.0" => "middle_block.0." + Resnet(m.Groups[2].Value),
                "attentions.0" => "middle_block.1." + m.Groups[2].Value,
                _ => "middle_block.2." + Resnet(m.Groups[2].Value),
            };
        }

        return Regex.Replace(name, @"^(conv_in|time_embedding\.linear_1|time_embedding\.linear_2|conv_norm_out|conv_out)\.", n => n.Groups[1].Value switch
        {
            "conv_in" => "input_blocks.0.0.",
            "time_embedding.linear_1" => "time_embed.0.",
            "time_embedding.linear_2" => "time_embed.2.",
            "conv_norm_out" => "out.0.",
            _ => "out.2.",
        });
    }

    // The inverse for vae_kl_tiny (two levels; LDM numbers the decoder's levels from the innermost).
    private static string ToLdmVae(string name)
    {
        name = Regex.Replace(name, @"resnets\.(\d)\.conv_shortcut\.", "resnets.$1.nin_shortcut.");
        name = Regex.Replace(name, @"^(encoder|decoder)\.mid_block\.attentions\.0\.(group_norm|to_q|to_k|to_v|to_out\.0)\.", m =>
            $"{m.Groups[1].Value}.mid.attn_1.{m.Groups[2].Value switch { "group_norm" => "norm", "to_out.0" => "proj_out", var other => other[3..] }}.");
        name = Regex.Replace(name, @"^(encoder|decoder)\.mid_block\.resnets\.(\d)\.", m => $"{m.Groups[1].Value}.mid.block_{Int(m, 2) + 1}.");
        name = Regex.Replace(name, @"^encoder\.down_blocks\.(\d)\.resnets\.(\d)\.", "encoder.down.$1.block.$2.");
        name = Regex.Replace(name, @"^encoder\.down_blocks\.(\d)\.downsamplers\.0\.", "encoder.down.$1.downsample.");
        name = Regex.Replace(name, @"^decoder\.up_blocks\.(\d)\.resnets\.(\d)\.", m => $"decoder.up.{1 - Int(m, 1)}.block.{m.Groups[2].Value}.");
        name = Regex.Replace(name, @"^decoder\.up_blocks\.(\d)\.upsamplers\.0\.", m => $"decoder.up.{1 - Int(m, 1)}.upsample.");
        return Regex.Replace(name, @"^(encoder|decoder)\.conv_norm_out\.", "$1.norm_out.");
    }

    private static int Int(Match match, int group) => int.Parse(match.Groups[group].Value, System.Globalization.CultureInfo.InvariantCulture);
}
