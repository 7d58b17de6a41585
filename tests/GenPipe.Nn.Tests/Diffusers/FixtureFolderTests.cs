using System.Text.Json;
using GenPipe.Nn.Models.Clip;
using GenPipe.Nn.Models.Vae;
using GenPipe.Tensors.Backends;
using GenPipe.Testing;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace GenPipe.Nn.Tests.Diffusers;

/// <summary>
/// Every VAE and CLIP text encoder fixture folder, bundled or under <c>GENPIPE_SD_FIXTURES</c>, the model class read
/// from its config: each output its io.safetensors holds is recomputed and matched to 1e-4 absolute. (UNet folders run
/// in <see cref="UNet2DConditionTests"/>.) New configurations are checked without a code change.
/// </summary>
public sealed class FixtureFolderTests(ITestOutputHelper log)
{
    public static IEnumerable<object[]> VaeFolders() => Folders("AutoencoderKL");

    public static IEnumerable<object[]> ClipFolders() => Folders("CLIPTextModel");

    [Theory]
    [MemberData(nameof(VaeFolders))]
    public void A_vae_folder_reproduces_its_recorded_outputs(string folder)
    {
        var io = FixtureFile.Load(Path.Combine(folder, "io.safetensors"));
        var vae = AutoencoderKL.Load(folder, TensorBackends.Cpu);
        int checkedOutputs = 0;
        if (io.Contains("image"))
        {
            var posterior = vae.Encode(io.Tensor("image"));
            foreach (var (name, view) in new[] { ("encode.moments", posterior.Moments), ("encode.mean", posterior.Mean), ("encode.logvar", posterior.LogVar), ("encode.std", posterior.Std), ("encode.var", posterior.Var) })
            {
                if (io.Contains(name))
                {
                    UpstreamMatch.ShouldMatch(view, io, name, log);
                    checkedOutputs++;
                }
            }

            if (io.Contains("encode.sample") && io.Contains("encode.sample_noise"))
            {
                UpstreamMatch.ShouldMatch(posterior.Sample(io.Tensor("encode.sample_noise")), io, "encode.sample", log);
                checkedOutputs++;
            }
        }

        if (io.Contains("latent") && io.Contains("decode.out"))
        {
            UpstreamMatch.ShouldMatch(vae.Decode(io.Tensor("latent")), io, "decode.out", log);
            checkedOutputs++;
        }

        if (io.Contains("image") && io.Contains("forward_mode.out"))
        {
            UpstreamMatch.ShouldMatch(vae.Forward(io.Tensor("image")), io, "forward_mode.out", log);
            checkedOutputs++;
        }

        checkedOutputs.ShouldBeGreaterThan(0, $"{folder}/io.safetensors holds none of the outputs this test knows");
    }

    [Theory]
    [MemberData(nameof(ClipFolders))]
    public void A_clip_folder_reproduces_its_recorded_outputs(string folder)
    {
        var io = FixtureFile.Load(Path.Combine(folder, "io.safetensors"));
        var model = ClipTextModel.Load(folder, TensorBackends.Cpu);
        long[] ids = io.Longs("input_ids");
        int batch = io.Shape("input_ids")[0];
        var output = model.Forward(ids.Select(i => checked((int)i)).ToArray(), batch);
        UpstreamMatch.ShouldMatch(output.LastHiddenState, io, "last_hidden_state", log);
        for (int i = 0; i < output.HiddenStates.Count; i++)
        {
            if (io.Contains($"hidden_states.{i}"))
            {
                UpstreamMatch.ShouldMatch(output.HiddenStates[i], io, $"hidden_states.{i}", log);
            }
        }

        if (io.Contains("pooler_output"))
        {
            UpstreamMatch.ShouldMatch(output.PooledOutput, io, "pooler_output", log);
        }
    }

    // The folders whose config names the class: diffusers' "_class_name", or transformers' "architectures".
    private static IEnumerable<object[]> Folders(string className) => Sd15Fixtures.All()
        .Where(folder => File.Exists(Path.Combine(folder, "io.safetensors")) && ClassOf(folder) == className)
        .Select(folder => new object[] { folder });

    private static string? ClassOf(string folder)
    {
        using var config = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, "config.json")));
        var root = config.RootElement;
        if (root.TryGetProperty("_class_name", out var name) && name.ValueKind == JsonValueKind.String)
        {
            return name.GetString();
        }

        return root.TryGetProperty("architectures", out var architectures) && architectures.ValueKind == JsonValueKind.Array && architectures.GetArrayLength() > 0
            ? architectures[0].GetString()
            : null;
    }
}
