using GenPipe.Autoregressive.Gpt2;
using GenPipe.Tensors.Backends;
using GenPipe.Text;
using Shouldly;
using Xunit;

namespace GenPipe.Autoregressive.Tests.Gpt2;

/// <summary>Loading a model folder: the tokenizer it holds, and broken folders refused with the file and the fix.</summary>
public sealed class ModelFolderTests : IDisposable
{
    private static readonly string Shipped = Path.Combine(AppContext.BaseDirectory, "models", "fortune");
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "genpipe-model-" + Guid.NewGuid().ToString("N"));

    public ModelFolderTests()
    {
        Directory.CreateDirectory(_folder);
        foreach (string file in Directory.GetFiles(Shipped))
        {
            File.Copy(file, Path.Combine(_folder, Path.GetFileName(file)));
        }
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void The_shipped_folder_loads_with_its_character_tokenizer_and_end_of_text_ids()
    {
        var model = Gpt2LanguageModel.Load(_folder, TensorBackends.Cpu);

        model.Tokenizer.ShouldBeOfType<CharacterTokenizer>();
        model.VocabularySize.ShouldBe(108);
        model.MaxSequenceLength.ShouldBe(256);
        model.EndOfSequenceTokenIds.ShouldBe([0]);
        model.BeginningOfSequenceTokenId.ShouldBe(0);
        model.Tokenizer.Decode([.. model.Tokenizer.Encode("A fool and his money")]).ShouldBe("A fool and his money");
    }

    [Theory]
    [InlineData("model.safetensors", "no model.safetensors")]
    [InlineData("config.json", "no config.json")]
    [InlineData("vocab.json", "no vocab.json")]
    public void A_missing_file_is_named(string file, string message)
    {
        File.Delete(Path.Combine(_folder, file));

        Should.Throw<FileNotFoundException>(() => Gpt2LanguageModel.Load(_folder, TensorBackends.Cpu)).Message.ShouldContain(message);
    }

    [Fact]
    public void A_config_whose_ids_are_outside_the_vocabulary_is_refused()
    {
        string config = Path.Combine(_folder, "config.json");
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"eos_token_id\": 0", "\"eos_token_id\": [0, 300]", StringComparison.Ordinal));

        var error = Should.Throw<InvalidDataException>(() => Gpt2LanguageModel.Load(_folder, TensorBackends.Cpu));

        error.Message.ShouldContain("config.json");
        error.Message.ShouldContain("eos_token_id");
    }

    [Fact]
    public void A_tokenizer_larger_than_the_model_is_refused()
    {
        string vocab = Path.Combine(_folder, "vocab.json");
        var characters = System.Text.Json.JsonSerializer.Deserialize<List<string>>(File.ReadAllText(vocab))!;
        characters.Add("\u00e9");
        File.WriteAllText(vocab, System.Text.Json.JsonSerializer.Serialize(characters));

        Should.Throw<InvalidDataException>(() => Gpt2LanguageModel.Load(_folder, TensorBackends.Cpu)).Message.ShouldContain("109 ids but the model only 108");
    }
}
