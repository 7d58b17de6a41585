using System.Globalization;

namespace GenPipe.Nn.Checkpoints;

/// <summary>
/// The names of an original Stable Diffusion 1.x/2.x single-file checkpoint (the LDM layout of
/// <c>v1-5-pruned-emaonly.safetensors</c> and its fine-tunes) in diffusers' names. Written once, as tables: the
/// prefixes of the three models, the renamed parts inside a block, and the rule that numbers LDM's consecutive
/// blocks by level. Each method returns null for a name it does not know, so the loader can report it.
/// </summary>
public static class LdmCheckpointNames
{
    /// <summary>The UNet's prefix in a single-file checkpoint.</summary>
    public const string UNetPrefix = "model.diffusion_model.";

    /// <summary>The VAE's prefix.</summary>
    public const string VaePrefix = "first_stage_model.";

    /// <summary>The CLIP text encoder's prefix (SD 1.x; SD 2.x's OpenCLIP layout is not this).</summary>
    public const string TextEncoderPrefix = "cond_stage_model.transformer.";

    // Whole-model parts of the UNet.
    private static readonly (string Ldm, string Diffusers)[] UNetParts =
    [
        ("time_embed.0.", "time_embedding.linear_1."),
        ("time_embed.2.", "time_embedding.linear_2."),
        ("input_blocks.0.0.", "conv_in."),
        ("out.0.", "conv_norm_out."),
        ("out.2.", "conv_out."),
    ];

    // Inside a UNet ResBlock.
    private static readonly (string Ldm, string Diffusers)[] UNetResnetParts =
    [
        ("in_layers.0.", "norm1."),
        ("in_layers.2.", "conv1."),
        ("emb_layers.1.", "time_emb_proj."),
        ("out_layers.0.", "norm2."),
        ("out_layers.3.", "conv2."),
        ("skip_connection.", "conv_shortcut."),
    ];

    // The UNet's middle block: resnet, transformer, resnet.
    private static readonly (string Ldm, string Diffusers, bool Resnet)[] UNetMiddle =
    [
        ("middle_block.0.", "mid_block.resnets.0.", true),
        ("middle_block.1.", "mid_block.attentions.0.", false),
        ("middle_block.2.", "mid_block.resnets.1.", true),
    ];

    // Whole-model parts of the VAE; mid blocks of both halves.
    private static readonly (string Ldm, string Diffusers)[] VaeParts =
    [
        ("encoder.norm_out.", "encoder.conv_norm_out."),
        ("decoder.norm_out.", "decoder.conv_norm_out."),
        ("encoder.mid.block_1.", "encoder.mid_block.resnets.0."),
        ("encoder.mid.block_2.", "encoder.mid_block.resnets.1."),
        ("decoder.mid.block_1.", "decoder.mid_block.resnets.0."),
        ("decoder.mid.block_2.", "decoder.mid_block.resnets.1."),
        ("encoder.mid.attn_1.", "encoder.mid_block.attentions.0."),
        ("decoder.mid.attn_1.", "decoder.mid_block.attentions.0."),
        ("encoder.conv_in.", "encoder.conv_in."),
        ("encoder.conv_out.", "encoder.conv_out."),
        ("decoder.conv_in.", "decoder.conv_in."),
        ("decoder.conv_out.", "decoder.conv_out."),
        ("quant_conv.", "quant_conv."),
        ("post_quant_conv.", "post_quant_conv."),
    ];

    // Inside a VAE resnet: only the shortcut is renamed.
    private static readonly (string Ldm, string Diffusers)[] VaeResnetParts =
    [
        ("nin_shortcut.", "conv_shortcut."),
        ("norm1.", "norm1."),
        ("conv1.", "conv1."),
        ("norm2.", "norm2."),
        ("conv2.", "conv2."),
    ];

    // Inside the VAE's mid-block attention (LDM stores q, k, v and the output as 1x1 convolutions).
    private static readonly (string Ldm, string Diffusers)[] VaeAttentionParts =
    [
        ("norm.", "group_norm."),
        ("q.", "to_q."),
        ("k.", "to_k."),
        ("v.", "to_v."),
        ("proj_out.", "to_out.0."),
    ];

    /// <summary>Tensors of a single-file checkpoint that are not weights of the three models (schedule buffers, EMA copies).</summary>
    public static bool IsIgnored(string name) =>
        !name.Contains('.', StringComparison.Ordinal) // betas, alphas_cumprod, ..., logvar: the training schedule
        || name.StartsWith("model_ema.", StringComparison.Ordinal)
        || name == TextEncoderPrefix + "text_model.embeddings.position_ids"
        || name == TextEncoderPrefix + "embeddings.position_ids";

    /// <summary>The diffusers name of UNet tensor <paramref name="name"/> (without <see cref="UNetPrefix"/>), or null.</summary>
    public static string? UNet(string name, UNetLayout layout)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(layout);
        if (Replace(name, UNetParts) is { } whole)
        {
            return whole;
        }

        foreach (var (ldm, diffusers, resnet) in UNetMiddle)
        {
            if (name.StartsWith(ldm, StringComparison.Ordinal))
            {
                string rest = name[ldm.Length..];
                return resnet ? Resnet(diffusers, rest) : diffusers + rest;
            }
        }

        int stride = layout.LayersPerBlock + 1; // LDM numbers a level's resnets and then its resampler consecutively
        if (Block(name, "input_blocks.") is (var input, var inputPart, var inputRest) && input >= 1)
        {
            int level = (input - 1) / stride, layer = (input - 1) % stride;
            if (level >= layout.Levels)
            {
                return null;
            }

            return layer < layout.LayersPerBlock
                ? inputPart switch
                {
                    0 => Resnet($"down_blocks.{level}.resnets.{layer}.", inputRest),
                    1 when layout.DownAttention[level] => $"down_blocks.{level}.attentions.{layer}.{inputRest}",
                    _ => null,
                }
                : inputPart == 0 && inputRest.StartsWith("op.", StringComparison.Ordinal) && level < layout.Levels - 1
                    ? $"down_blocks.{level}.downsamplers.0.conv.{inputRest[3..]}"
                    : null;
        }

        if (Block(name, "output_blocks.") is (var output, var outputPart, var outputRest))
        {
            int level = output / stride, layer = output % stride;
            if (level >= layout.Levels)
            {
                return null;
            }

            bool attention = layout.UpAttention[level];
            int upsamplerPart = attention ? 2 : 1;
            return outputPart switch
            {
                0 => Resnet($"up_blocks.{level}.resnets.{layer}.", outputRest),
                1 when attention => $"up_blocks.{level}.attentions.{layer}.{outputRest}",
                _ when outputPart == upsamplerPart && layer == layout.LayersPerBlock && level < layout.Levels - 1
                    && outputRest.StartsWith("conv.", StringComparison.Ordinal) => $"up_blocks.{level}.upsamplers.0.{outputRest}",
                _ => null,
            };
        }

        return null;
    }

    /// <summary>
    /// The diffusers name of VAE tensor <paramref name="name"/> (without <see cref="VaePrefix"/>), or null.
    /// <paramref name="levels"/> is the number of resolution levels (LDM numbers the decoder's levels from the
    /// innermost, diffusers from the outermost).
    /// </summary>
    public static string? Vae(string name, int levels)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (var (ldm, diffusers) in VaeParts)
        {
            if (name.StartsWith(ldm, StringComparison.Ordinal))
            {
                string rest = name[ldm.Length..];
                return diffusers.Contains(".attentions.", StringComparison.Ordinal) ? Replace(rest, VaeAttentionParts, diffusers)
                    : diffusers.Contains(".resnets.", StringComparison.Ordinal) ? Replace(rest, VaeResnetParts, diffusers)
                    : diffusers + rest;
            }
        }

        foreach (var (half, group, blocks, resampler, reversed) in new[]
        {
            ("encoder.", "down.", "down_blocks", "downsample.", false),
            ("decoder.", "up.", "up_blocks", "upsample.", true),
        })
        {
            if (!name.StartsWith(half + group, StringComparison.Ordinal) || Index(name, half.Length + group.Length) is not (var ldmLevel, var afterLevel))
            {
                continue;
            }

            int level = reversed ? levels - 1 - ldmLevel : ldmLevel;
            if (level < 0 || level >= levels)
            {
                return null;
            }

            string rest = name[afterLevel..];
            string prefix = $"{half}{blocks}.{level}.";
            if (rest.StartsWith("block.", StringComparison.Ordinal) && Index(rest, "block.".Length) is (var layer, var afterLayer))
            {
                return Replace(rest[afterLayer..], VaeResnetParts, $"{prefix}resnets.{layer}.");
            }

            return rest.StartsWith(resampler + "conv.", StringComparison.Ordinal)
                ? $"{prefix}{(reversed ? "upsamplers" : "downsamplers")}.0.{rest[resampler.Length..]}"
                : null;
        }

        return null;
    }

    /// <summary>The transformers name of text-encoder tensor <paramref name="name"/> (without <see cref="TextEncoderPrefix"/>).</summary>
    public static string TextEncoder(string name)
    {
        ArgumentNullException.ThrowIfNull(name);

        // Checkpoints saved with older transformers lack the text_model level.
        return name.StartsWith("text_model.", StringComparison.Ordinal) ? name : "text_model." + name;
    }

    private static string Resnet(string prefix, string rest) => Replace(rest, UNetResnetParts, prefix) ?? prefix + rest;

    private static string? Replace(string name, (string Ldm, string Diffusers)[] table, string prefix = "")
    {
        foreach (var (ldm, diffusers) in table)
        {
            if (name.StartsWith(ldm, StringComparison.Ordinal))
            {
                return prefix + diffusers + name[ldm.Length..];
            }
        }

        return null;
    }

    // "input_blocks.4.1.rest" -> (4, 1, "rest").
    private static (int Block, int Part, string Remainder)? Block(string name, string group)
    {
        if (!name.StartsWith(group, StringComparison.Ordinal) || Index(name, group.Length) is not (var block, var afterBlock)
            || Index(name, afterBlock) is not (var part, var afterPart))
        {
            return null;
        }

        return (block, part, name[afterPart..]);
    }

    // The integer at `start` followed by a dot, and the position after the dot.
    private static (int Value, int Next)? Index(string name, int start)
    {
        int dot = name.IndexOf('.', start);
        return dot > start && int.TryParse(name.AsSpan(start, dot - start), NumberStyles.None, CultureInfo.InvariantCulture, out int value)
            ? (value, dot + 1)
            : null;
    }
}
