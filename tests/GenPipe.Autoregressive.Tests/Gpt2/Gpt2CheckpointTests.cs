using GenPipe.Autoregressive.Gpt2;
using GenPipe.Tensors;
using GenPipe.Tensors.SafeTensors;
using Shouldly;
using Xunit;

using GenPipe.Nn;
using GenPipe.Nn.Tests;

namespace GenPipe.Autoregressive.Tests.Gpt2;

/// <summary>Hugging Face checkpoint names (base-model names, mask buffers, tied head) bind to Gpt2Model.</summary>
public sealed class Gpt2CheckpointTests
{
    [Fact]
    public void A_base_model_checkpoint_with_mask_buffers_and_a_tied_head_gives_the_same_logits()
    {
        var file = Fixtures.Load("gpt2_tiny");
        var config = Gpt2Config.Parse(file.Metadata["config"]);
        var hub = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (string name in file.Names.Where(n => n.StartsWith("w.transformer.", StringComparison.Ordinal)))
        {
            hub[name["w.transformer.".Length..]] = file.Tensor(name);
        }

        hub["h.0.attn.bias"] = Tensor.Zeros(1, 1, 32, 32);
        hub["h.1.attn.masked_bias"] = Tensor.Zeros(1);
        hub["lm_head.weight"] = file.Tensor("w.transformer.wte.weight");
        var source = new Gpt2CheckpointWeightSource(new DictionaryWeightSource(hub, "hub.safetensors"));
        source.Names.ShouldContain("transformer.h.1.mlp.c_fc.weight");
        source.Names.ShouldNotContain("lm_head.weight");

        var model = new Gpt2Model(config);
        model.LoadWeights(source, TestBackends.Fastest);
        using var cache = model.CreateCache(2);
        var logits = model.Forward(file.Longs("ids").Select(v => (int)v).ToArray(), 2, cache);
        Fixtures.ShouldMatch(logits, file, "logits", 1e-4);

        hub.Remove("h.1.ln_2.bias");
        Should.Throw<WeightBindingException>(() => new Gpt2Model(config).LoadWeights(new Gpt2CheckpointWeightSource(new DictionaryWeightSource(hub, "hub.safetensors")), TestBackends.Fastest))
            .Message.ShouldContain("transformer.h.1.ln_2.bias");
    }

    [Fact]
    public void Load_reads_a_hugging_face_folder_of_config_and_safetensors()
    {
        var file = Fixtures.Load("gpt2_tiny");
        string folder = Path.Combine(Path.GetTempPath(), "genpipe-gpt2-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            File.WriteAllText(Path.Combine(folder, "config.json"), file.Metadata["config"]);
            var tensors = file.Names.Where(n => n.StartsWith("w.", StringComparison.Ordinal))
                .Select(n => new KeyValuePair<string, TensorView>(n[2..], file.Tensor(n).View));
            SafeTensorsWriter.Write(Path.Combine(folder, "model.safetensors"), tensors);

            var model = Gpt2Model.Load(folder, TestBackends.Fastest);
            model.Config.Layers.ShouldBe(2);
            using var cache = model.CreateCache(2);
            Fixtures.ShouldMatch(model.Forward(file.Longs("ids").Select(v => (int)v).ToArray(), 2, cache), file, "logits", 1e-4);

            File.WriteAllText(Path.Combine(folder, "config.json"), """{"n_head": 0}""");
            Should.Throw<InvalidDataException>(() => Gpt2Model.Load(folder, TestBackends.Fastest)).Message.ShouldContain("config.json");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
