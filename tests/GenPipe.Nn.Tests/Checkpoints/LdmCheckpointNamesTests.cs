using GenPipe.Nn.Checkpoints;
using Shouldly;
using Xunit;

namespace GenPipe.Nn.Tests.Checkpoints;

/// <summary>
/// Original SD 1.5 checkpoint names against the diffusers names they hold, pair by pair, written out by hand from the
/// two layouts (not derived from the table under test).
/// </summary>
public sealed class LdmCheckpointNamesTests
{
    // SD 1.5: four levels, two resnets each, cross-attention on the outer three going down and the inner three coming up.
    private static readonly UNetLayout Sd15 = UNetLayout.FromBlockTypes(
        2,
        ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
        ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"]);

    [Theory]
    [InlineData("input_blocks.0.0.weight", "conv_in.weight")]
    [InlineData("time_embed.0.weight", "time_embedding.linear_1.weight")]
    [InlineData("time_embed.2.bias", "time_embedding.linear_2.bias")]
    [InlineData("input_blocks.1.0.in_layers.0.weight", "down_blocks.0.resnets.0.norm1.weight")]
    [InlineData("input_blocks.1.0.in_layers.2.bias", "down_blocks.0.resnets.0.conv1.bias")]
    [InlineData("input_blocks.1.1.transformer_blocks.0.attn1.to_q.weight", "down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.weight")]
    [InlineData("input_blocks.2.1.proj_in.weight", "down_blocks.0.attentions.1.proj_in.weight")]
    [InlineData("input_blocks.3.0.op.weight", "down_blocks.0.downsamplers.0.conv.weight")]
    [InlineData("input_blocks.4.0.skip_connection.weight", "down_blocks.1.resnets.0.conv_shortcut.weight")]
    [InlineData("input_blocks.4.0.emb_layers.1.weight", "down_blocks.1.resnets.0.time_emb_proj.weight")]
    [InlineData("input_blocks.8.1.transformer_blocks.0.attn2.to_k.weight", "down_blocks.2.attentions.1.transformer_blocks.0.attn2.to_k.weight")]
    [InlineData("input_blocks.9.0.op.bias", "down_blocks.2.downsamplers.0.conv.bias")]
    [InlineData("input_blocks.11.0.out_layers.3.bias", "down_blocks.3.resnets.1.conv2.bias")]
    [InlineData("middle_block.0.out_layers.0.weight", "mid_block.resnets.0.norm2.weight")]
    [InlineData("middle_block.1.proj_out.weight", "mid_block.attentions.0.proj_out.weight")]
    [InlineData("middle_block.2.in_layers.2.weight", "mid_block.resnets.1.conv1.weight")]
    [InlineData("output_blocks.0.0.skip_connection.bias", "up_blocks.0.resnets.0.conv_shortcut.bias")]
    [InlineData("output_blocks.2.1.conv.weight", "up_blocks.0.upsamplers.0.conv.weight")]
    [InlineData("output_blocks.3.1.norm.weight", "up_blocks.1.attentions.0.norm.weight")]
    [InlineData("output_blocks.5.2.conv.bias", "up_blocks.1.upsamplers.0.conv.bias")]
    [InlineData("output_blocks.8.2.conv.weight", "up_blocks.2.upsamplers.0.conv.weight")]
    [InlineData("output_blocks.11.1.transformer_blocks.0.ff.net.2.weight", "up_blocks.3.attentions.2.transformer_blocks.0.ff.net.2.weight")]
    [InlineData("output_blocks.11.0.emb_layers.1.bias", "up_blocks.3.resnets.2.time_emb_proj.bias")]
    [InlineData("out.0.weight", "conv_norm_out.weight")]
    [InlineData("out.2.bias", "conv_out.bias")]
    public void An_sd15_unet_name_maps_to_its_diffusers_name(string ldm, string diffusers) =>
        LdmCheckpointNames.UNet(ldm, Sd15).ShouldBe(diffusers);

    [Theory]
    [InlineData("input_blocks.1.2.weight")] // a level has no third part
    [InlineData("input_blocks.12.0.in_layers.0.weight")] // past the last level
    [InlineData("input_blocks.12.0.op.weight")]
    [InlineData("input_blocks.10.1.proj_in.weight")] // the innermost level has no attention
    [InlineData("output_blocks.11.2.conv.weight")] // the outermost level has no upsampler
    [InlineData("label_emb.0.0.weight")] // class-conditioned UNets are not SD 1.x
    public void A_name_outside_the_layout_is_not_mapped(string ldm) =>
        LdmCheckpointNames.UNet(ldm, Sd15).ShouldBeNull();

    [Theory]
    [InlineData("encoder.conv_in.weight", "encoder.conv_in.weight")]
    [InlineData("encoder.down.0.block.1.conv2.weight", "encoder.down_blocks.0.resnets.1.conv2.weight")]
    [InlineData("encoder.down.1.block.0.nin_shortcut.weight", "encoder.down_blocks.1.resnets.0.conv_shortcut.weight")]
    [InlineData("encoder.down.2.downsample.conv.bias", "encoder.down_blocks.2.downsamplers.0.conv.bias")]
    [InlineData("encoder.mid.block_1.norm1.weight", "encoder.mid_block.resnets.0.norm1.weight")]
    [InlineData("encoder.mid.attn_1.q.weight", "encoder.mid_block.attentions.0.to_q.weight")]
    [InlineData("encoder.norm_out.bias", "encoder.conv_norm_out.bias")]
    [InlineData("quant_conv.weight", "quant_conv.weight")]
    [InlineData("post_quant_conv.bias", "post_quant_conv.bias")]
    [InlineData("decoder.mid.attn_1.norm.weight", "decoder.mid_block.attentions.0.group_norm.weight")]
    [InlineData("decoder.mid.attn_1.proj_out.bias", "decoder.mid_block.attentions.0.to_out.0.bias")]
    [InlineData("decoder.mid.block_2.conv1.weight", "decoder.mid_block.resnets.1.conv1.weight")]
    [InlineData("decoder.up.3.block.2.norm1.weight", "decoder.up_blocks.0.resnets.2.norm1.weight")]
    [InlineData("decoder.up.3.upsample.conv.weight", "decoder.up_blocks.0.upsamplers.0.conv.weight")]
    [InlineData("decoder.up.1.upsample.conv.bias", "decoder.up_blocks.2.upsamplers.0.conv.bias")]
    [InlineData("decoder.up.0.block.0.nin_shortcut.bias", "decoder.up_blocks.3.resnets.0.conv_shortcut.bias")]
    [InlineData("decoder.norm_out.weight", "decoder.conv_norm_out.weight")]
    public void An_sd15_vae_name_maps_to_its_diffusers_name(string ldm, string diffusers) =>
        LdmCheckpointNames.Vae(ldm, levels: 4).ShouldBe(diffusers);

    [Theory]
    [InlineData("text_model.encoder.layers.11.mlp.fc1.weight", "text_model.encoder.layers.11.mlp.fc1.weight")]
    [InlineData("embeddings.token_embedding.weight", "text_model.embeddings.token_embedding.weight")]
    public void A_text_encoder_name_gets_the_text_model_level(string ldm, string transformers) =>
        LdmCheckpointNames.TextEncoder(ldm).ShouldBe(transformers);

    [Theory]
    [InlineData("alphas_cumprod", true)]
    [InlineData("model_ema.decay", true)]
    [InlineData("cond_stage_model.transformer.text_model.embeddings.position_ids", true)]
    [InlineData("model.diffusion_model.out.2.bias", false)]
    public void Schedule_buffers_and_ema_copies_are_not_weights(string name, bool ignored) =>
        LdmCheckpointNames.IsIgnored(name).ShouldBe(ignored);
}
