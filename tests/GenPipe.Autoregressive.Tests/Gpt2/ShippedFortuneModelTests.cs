using GenPipe.Autoregressive.Gpt2;
using GenPipe.Tensors.Backends;
using Shouldly;
using Xunit;

using GenPipe.Nn;
using GenPipe.Nn.Tests;
using GenPipe.Text;

namespace GenPipe.Autoregressive.Tests.Gpt2;

/// <summary>
/// The models that ship in <c>models/</c> against PyTorch on the same weights (tools/fixtures/make_fortune_refs.py):
/// logits for three prompts and 48 greedy tokens each.
/// </summary>
public sealed class ShippedFortuneModelTests
{
    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        foreach (string model in new[] { "fortune", "fortune-draft" })
        {
            for (int prompt = 0; prompt < 3; prompt++)
            {
                data.Add(model, prompt);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Logits_and_greedy_continuation_match_PyTorch(string model, int prompt)
    {
        var refs = Fixtures.Load("fortune_refs");
        string key = model.Replace('-', '_') + "." + prompt;
        int[] ids = refs.Longs(key + ".prompt").Select(v => (int)v).ToArray();
        int[] greedy = refs.Longs(key + ".greedy").Select(v => (int)v).ToArray();
        string folder = Path.Combine(AppContext.BaseDirectory, "models", model);
        var gpt = Gpt2Model.Load(folder, TensorBackends.Cpu);

        var logits = gpt.Forward(ids, 1, gpt.CreateCache(1));
        var expected = refs.Tensor(key + ".logits");
        float[] actual = logits.ToArray();
        float[] wanted = expected.Span.ToArray();
        actual.Length.ShouldBe(wanted.Length);
        double scale = wanted.Max(Math.Abs);
        double worst = actual.Zip(wanted, (a, b) => Math.Abs(a - b)).Max();
        (worst / scale).ShouldBeLessThan(1e-4, $"{model} prompt {prompt}");

        gpt.GenerateGreedy(ids, 1, greedy.Length, gpt.CreateCache(1)).ShouldBe(greedy);
    }

    [Fact]
    public void The_two_models_share_one_character_vocabulary()
    {
        var main = CharacterTokenizer.Load(Path.Combine(AppContext.BaseDirectory, "models", "fortune", "vocab.json"));
        var draft = CharacterTokenizer.Load(Path.Combine(AppContext.BaseDirectory, "models", "fortune-draft", "vocab.json"));
        main.VocabularySize.ShouldBe(108);
        draft.VocabularySize.ShouldBe(main.VocabularySize);
        main.Decode(main.Encode("A fool and his money").ToArray()).ShouldBe("A fool and his money");
    }
}
