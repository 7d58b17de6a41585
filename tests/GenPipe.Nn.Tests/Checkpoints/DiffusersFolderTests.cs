using GenPipe.Nn.Checkpoints;
using GenPipe.Tensors;
using GenPipe.Tensors.SafeTensors;
using Shouldly;
using Xunit;

namespace GenPipe.Nn.Tests.Checkpoints;

/// <summary>Weights found as diffusers names them (variants, shards), pickles refused, and model_index.json read.</summary>
public sealed class DiffusersFolderTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "genpipe-folder-" + Guid.NewGuid().ToString("N"));

    public DiffusersFolderTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void The_plain_file_is_taken_and_a_named_variant_is_taken_when_asked_for()
    {
        Write("diffusion_pytorch_model.safetensors", ("w", 1f));
        Write("diffusion_pytorch_model.fp16.safetensors", ("w", 2f), SafeTensorsDType.F16);

        using (var plain = WeightFiles.Open(_folder))
        {
            plain.Load("w").View.ToArray().ShouldBe([1f, 1f]);
            plain.DTypeOf("w").ShouldBe(SafeTensorsDType.F32);
        }

        using var half = WeightFiles.Open(_folder, "fp16");
        half.Load("w").View.ToArray().ShouldBe([2f, 2f], "float16 is converted to float32 when loaded");
        half.DTypeOf("w").ShouldBe(SafeTensorsDType.F16);
    }

    [Fact]
    public void The_only_variant_is_taken_when_no_plain_file_exists()
    {
        Write("model.bf16.safetensors", ("w", 3f), SafeTensorsDType.BF16);

        using var weights = WeightFiles.Open(_folder);

        weights.Load("w").View.ToArray().ShouldBe([3f, 3f]);
    }

    [Fact]
    public void Shards_listed_by_the_index_load_as_one_source()
    {
        Write("diffusion_pytorch_model-00001-of-00002.safetensors", ("a", 1f));
        Write("diffusion_pytorch_model-00002-of-00002.safetensors", ("b", 2f));
        File.WriteAllText(Path.Combine(_folder, "diffusion_pytorch_model.safetensors.index.json"), """
            { "metadata": { "total_size": 16 }, "weight_map": {
              "a": "diffusion_pytorch_model-00001-of-00002.safetensors", "b": "diffusion_pytorch_model-00002-of-00002.safetensors" } }
            """);

        using var weights = WeightFiles.Open(_folder);

        weights.Names.Order(StringComparer.Ordinal).ShouldBe(["a", "b"]);
        weights.Load("b").View.ToArray().ShouldBe([2f, 2f]);
    }

    [Fact]
    public void A_folder_with_only_a_pickle_is_refused_with_the_conversion()
    {
        File.WriteAllBytes(Path.Combine(_folder, "diffusion_pytorch_model.bin"), [0x80, 0x02]);

        var refusal = Should.Throw<InvalidDataException>(() => WeightFiles.Open(_folder));

        refusal.Message.ShouldStartWith(Path.Combine(_folder, "diffusion_pytorch_model.bin") + " is a PyTorch pickle");
        refusal.Message.ShouldContain("safe_serialization=True");
    }

    [Fact]
    public void A_folder_without_weights_names_what_it_expected_and_what_it_holds()
    {
        File.WriteAllText(Path.Combine(_folder, "config.json"), "{}");

        Should.Throw<FileNotFoundException>(() => WeightFiles.Open(_folder, "fp16")).Message.ShouldBe(
            $"{_folder}: no weights: expected diffusion_pytorch_model.fp16.safetensors or model.fp16.safetensors (or its .index.json for shards); " +
            "the folder holds config.json. Leave out the variant 'fp16' to use the plain files.");
    }

    [Fact]
    public void Model_index_names_each_component_folder_and_class()
    {
        File.WriteAllText(Path.Combine(_folder, "model_index.json"), """
            { "_class_name": "StableDiffusionPipeline", "_diffusers_version": "0.35.2",
              "unet": ["diffusers", "UNet2DConditionModel"], "vae": ["diffusers", "AutoencoderKL"],
              "safety_checker": [null, null], "requires_safety_checker": false }
            """);
        Directory.CreateDirectory(Path.Combine(_folder, "unet"));

        var pipeline = DiffusersPipelineFolder.Open(_folder);

        pipeline.PipelineClass.ShouldBe("StableDiffusionPipeline");
        pipeline.Components.Order(StringComparer.Ordinal).ShouldBe(["unet", "vae"]);
        pipeline.ComponentFolder("unet", "UNet2DConditionModel").ShouldBe(Path.Combine(_folder, "unet"));
        string index = Path.Combine(_folder, "model_index.json");
        Should.Throw<DirectoryNotFoundException>(() => pipeline.ComponentFolder("vae")).Message
            .ShouldBe($"{index} lists \"vae\" but {Path.Combine(_folder, "vae")} is missing; the download is incomplete.");
        Should.Throw<InvalidDataException>(() => pipeline.ComponentFolder("unet", "UNet2DModel")).Message
            .ShouldBe($"{index}: \"unet\" is a UNet2DConditionModel; GenPipe reads a UNet2DModel there.");
        Should.Throw<InvalidDataException>(() => pipeline.ComponentFolder("text_encoder")).Message
            .ShouldBe($"{index}: no \"text_encoder\" component (it has unet, vae); a StableDiffusionPipeline folder needs one.");
    }

    private void Write(string file, (string Name, float Value) tensor, SafeTensorsDType dtype = SafeTensorsDType.F32) =>
        new SafeTensorsWriter().Add(tensor.Name, new Tensor([tensor.Value, tensor.Value], 2), dtype).Save(Path.Combine(_folder, file));
}
