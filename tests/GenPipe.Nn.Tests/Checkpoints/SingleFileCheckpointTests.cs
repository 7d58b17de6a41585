using GenPipe.Nn.Checkpoints;
using GenPipe.Nn.Models.UNet2DCondition;
using GenPipe.Nn.Tests.Diffusers;
using GenPipe.Tensors;
using GenPipe.Tensors.Backends;
using GenPipe.Tensors.SafeTensors;
using GenPipe.Testing;
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
        var (path, unet, vae, clip) = TinyCheckpoint.Build(_folder);

        using var checkpoint = SingleFileCheckpoint.Open(path);

        ShouldReadBack(checkpoint.UNet(TinyUNet), unet);
        ShouldReadBack(checkpoint.Vae(levels: 2), vae);
        ShouldReadBack(checkpoint.TextEncoder(), clip);
    }

    [Fact]
    public void The_unet_of_a_single_file_checkpoint_loads_and_gives_the_fixture_output()
    {
        var (path, _, _, _) = TinyCheckpoint.Build(_folder);
        var config = UNet2DConditionConfig.FromFile(Path.Combine(Sd15Fixtures.Folder("unet_tiny"), "config.json"));
        var io = FixtureFile.Load(Path.Combine(Sd15Fixtures.Folder("unet_tiny"), "io.safetensors"));
        using var checkpoint = SingleFileCheckpoint.Open(path);

        using var model = UNet2DConditionModel.Load(config, checkpoint.UNet(UNetLayout.From(config)), TensorBackends.Cpu);
        var output = model.Forward(io.Tensor("sample"), [10f, 10f], io.Tensor("encoder_hidden_states"));

        float[] expected = io.Floats("t10.out");
        float[] actual = output.ToArray();
        expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max().ShouldBeLessThan(1e-4f);
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
}
