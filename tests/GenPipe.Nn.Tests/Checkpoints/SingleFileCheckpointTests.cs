using System.Text.RegularExpressions;
using GenPipe.Nn.Checkpoints;
using GenPipe.Nn.Models.UNet2DCondition;
using GenPipe.Nn.Tests.Diffusers;
using GenPipe.Tensors;
using GenPipe.Tensors.Backends;
using GenPipe.Testing;
using GenPipe.Tensors.SafeTensors;
using Shouldly;
using Xunit;

namespace GenPipe.Nn.Tests.Checkpoints;

/// <summary>
/// A single-file checkpoint built from the tiny fixtures by renaming every tensor to the original (LDM) layout, with
/// an inverse written here independently of <see cref="LdmCheckpointNames"/>: reading it back must give every fixture
/// tensor under its diffusers name, unchanged, and nothing else.
/// </summary>
public sealed class SingleFileCheckpointTests : IDisposable
{
    // unet_tiny: two levels of two resnets; cross-attention on the outer level down, on the outer level up.
    private static readonly UNetLayout TinyUNet = UNetLayout.FromBlockTypes(2, ["CrossAttnDownBlock2D", "DownBlock2D"], ["UpBlock2D", "CrossAttnUpBlock2D"]);

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "genpipe-ckpt-" + Guid.NewGuid().ToString("N"));

    public SingleFileCheckpointTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void A_checkpoint_renamed_from_the_fixtures_reads_back_as_the_fixtures_under_diffusers_names()
    {
        var (path, unet, vae, clip) = BuildTinyCheckpoint();

        using var checkpoint = SingleFileCheckpoint.Open(path);

        ShouldReadBack(checkpoint.UNet(TinyUNet), unet);
        ShouldReadBack(checkpoint.Vae(levels: 2), vae);
        ShouldReadBack(checkpoint.TextEncoder(), clip);
    }

    [Fact]
    public void The_unet_of_a_single_file_checkpoint_loads_and_gives_the_fixture_output()
    {
        var (path, _, _, _) = BuildTinyCheckpoint();
        var config = UNet2DConditionConfig.FromFile(Path.Combine(Sd15Fixtures.Folder("unet_tiny"), "config.json"));
        var io = FixtureFile.Load(Path.Combine(Sd15Fixtures.Folder("unet_tiny"), "io.safetensors"));
        using var checkpoint = SingleFileCheckpoint.Open(path);

        using var model = UNet2DConditionModel.Load(config, checkpoint.UNet(UNetLayout.From(config)), TensorBackends.Cpu);
        var output = model.Forward(io.Tensor("sample"), [10f, 10f], io.Tensor("encoder_hidden_states"));

        float[] expected = io.Floats("t10.out");
        float[] actual = output.ToArray();
        expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max().ShouldBeLessThan(1e-4f);
    }

    private (string Path, Dictionary<string, Tensor> UNet, Dictionary<string, Tensor> Vae, Dictionary<string, Tensor> Clip) BuildTinyCheckpoint()
    {
        var unet = Weights("unet_tiny", "diffusion_pytorch_model.safetensors");
        var vae = Weights("vae_kl_tiny", "diffusion_pytorch_model.safetensors");
        var clip = Weights("clip_text_tiny", "model.safetensors");
        string path = Path.Combine(_folder, "tiny-sd.safetensors");
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

    [Fact]
    public void A_pickle_is_refused_with_why_and_how_to_convert()
    {
        string path = Path.Combine(_folder, "v1-5-pruned-emaonly.ckpt");
        File.WriteAllBytes(path, [0x80, 0x02]);

        var refusal = Should.Throw<InvalidDataException>(() => SingleFileCheckpoint.Open(path));

        refusal.Message.ShouldContain("is a PyTorch pickle: loading one runs any code it contains");
        refusal.Message.ShouldContain("torch.load('v1-5-pruned-emaonly.ckpt', map_location='cpu', weights_only=True)");
        refusal.Message.ShouldContain("'v1-5-pruned-emaonly.safetensors'");
    }

    [Fact]
    public void A_safetensors_file_that_is_not_an_sd_checkpoint_is_refused_naming_what_it_holds()
    {
        string path = Path.Combine(_folder, "unet-only.safetensors");
        new SafeTensorsWriter().Add("conv_in.weight", new Tensor(new float[4], 4)).Save(path);

        Should.Throw<InvalidDataException>(() => SingleFileCheckpoint.Open(path)).Message
            .ShouldBe($"{path} is not a Stable Diffusion 1.x single-file checkpoint: no tensor starts with 'model.diffusion_model.' (it starts with conv_in.weight). " +
                "A diffusers folder (model_index.json) or a component's own weights file is loaded from its folder instead.");
    }

    private static void ShouldReadBack(RenamedWeightSource source, Dictionary<string, Tensor> expected)
    {
        source.Names.Order(StringComparer.Ordinal).ShouldBe(expected.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, tensor) in expected)
        {
            source.GetShape(name).ShouldBe(tensor.GetShape(), name);
            source.Load(name).View.ToArray().ShouldBe(tensor.View.ToArray(), name);
        }
    }

    private static Dictionary<string, Tensor> Weights(string fixture, string file)
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
