using System.Text;
using GenPipe.Abstractions.Models;
using GenPipe.Autoregressive.Generation;
using GenPipe.Autoregressive.Gpt2;
using GenPipe.Nn.Tests;
using GenPipe.Sampling;
using GenPipe.Tensors.Backends;
using Shouldly;
using Xunit;

namespace GenPipe.Autoregressive.Tests.Generation;

/// <summary>The streaming generation loop: batches, stopping, text pieces, seeds, errors and cancellation.</summary>
public sealed class TextGeneratorTests
{
    private static readonly TokenSampler Greedy = new([], doSample: false);

    private static Gpt2LanguageModel Fortune() =>
        Gpt2LanguageModel.Load(Path.Combine(AppContext.BaseDirectory, "models", "fortune"), TensorBackends.Cpu);

    // The next byte of a fixed text, so generation spells it out.
    private static ScriptedLanguageModel Spelling(string text, int? bos = null, IReadOnlyList<int>? eos = null, int maxLength = 512)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        return new ScriptedLanguageModel(sequence => bytes[Math.Min(sequence.Count, bytes.Length - 1)], bos, eos, maxLength);
    }

    private static async Task<List<GeneratedToken>> Collect(TextGenerator generator, GenerationRequest request, CancellationToken cancellationToken = default)
    {
        var tokens = new List<GeneratedToken>();
        await foreach (var token in generator.StreamAsync(request, cancellationToken))
        {
            tokens.Add(token);
        }

        return tokens;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Greedy_generation_of_the_shipped_model_gives_PyTorchs_tokens(int prompt)
    {
        var refs = Fixtures.Load("fortune_refs");
        int[] expected = [.. refs.Longs($"fortune.{prompt}.greedy").Select(v => (int)v)];
        var model = Fortune();
        string text = model.Tokenizer.Decode([.. refs.Longs($"fortune.{prompt}.prompt").Select(v => (int)v)]);
        var request = new GenerationRequest { Prompts = [text], MaxNewTokens = expected.Length, StopAtEndOfSequence = false };

        var tokens = await Collect(new TextGenerator(model, Greedy), request);

        tokens.Select(t => t.TokenId).ShouldBe(expected);
        tokens.Select(t => t.Index).ShouldBe(Enumerable.Range(0, expected.Length));
        tokens.Count(t => t.IsLast).ShouldBe(1);
        tokens[^1].IsLast.ShouldBeTrue();
    }

    [Fact]
    public async Task A_batch_streams_each_sequence_as_if_it_ran_alone()
    {
        var model = Fortune();
        var request = GenerationRequest.Repeat("Love is ", 3, 40, seed: 11) with { StopAtEndOfSequence = false };
        var sampler = new MultinomialSamplerOptions { Temperature = 0.9, TopK = 0 }.CreateSampler();

        var tokens = await Collect(new TextGenerator(model, sampler), request);
        var texts = await new TextGenerator(model, sampler).GenerateAsync(request);

        tokens.Count.ShouldBe(120);
        for (int s = 0; s < 3; s++)
        {
            string streamed = string.Concat(tokens.Where(t => t.Sequence == s).Select(t => t.Text));
            streamed.ShouldBe(texts[s], "the pieces add up to the text");
            model.Tokenizer.Decode([.. tokens.Where(t => t.Sequence == s).Select(t => t.TokenId)]).ShouldBe(texts[s]);
        }

        texts.Distinct().Count().ShouldBe(3, "the rows draw independently");
        (await new TextGenerator(model, sampler).GenerateAsync(request)).ShouldBe(texts, "same seed, same text");
        (await new TextGenerator(model, sampler).GenerateAsync(request with { Seed = 12 })).ShouldNotBe(texts);
    }

    [Fact]
    public async Task Greedy_rows_of_a_batch_equal_the_model_s_own_greedy_decoding()
    {
        var model = Fortune();
        var prompt = model.Tokenizer.Encode("Q:\tWhat is ");
        int[] alone = model.Model.GenerateGreedy([.. prompt], 1, 64, model.Model.CreateCache(1));

        var tokens = await Collect(new TextGenerator(model, Greedy), GenerationRequest.Repeat("Q:\tWhat is ", 2, 64) with { StopAtEndOfSequence = false });

        for (int s = 0; s < 2; s++)
        {
            tokens.Where(t => t.Sequence == s).Select(t => t.TokenId).ShouldBe(alone);
        }
    }

    [Fact]
    public async Task A_sequence_ends_at_its_end_of_sequence_id_which_adds_no_text_while_others_go_on()
    {
        // Row 0 spells "ab" then the end id 3; the model stops a row at 3 only (row 1 has prompt "x" and spells "xyz...").
        var model = new ScriptedLanguageModel(s => s[0] == 'a' ? (s.Count == 1 ? 'b' : 3) : 'y', eos: [3]);

        var tokens = await Collect(new TextGenerator(model, Greedy), new GenerationRequest { Prompts = ["a", "x"], MaxNewTokens = 5 });

        tokens.Where(t => t.Sequence == 0).Select(t => (t.TokenId, t.Text, t.IsLast)).ShouldBe([('b', "b", false), (3, "", true)]);
        tokens.Where(t => t.Sequence == 1).Select(t => t.Text).ShouldBe(["y", "y", "y", "y", "y"]);
        tokens.Single(t => t.Sequence == 1 && t.IsLast).Index.ShouldBe(4);
    }

    [Fact]
    public async Task A_stop_string_ends_the_sequence_and_stays_in_its_text()
    {
        var model = Spelling("Hello world, and more");

        var tokens = await Collect(new TextGenerator(model, Greedy), new GenerationRequest { Prompts = ["H"], MaxNewTokens = 50, StopStrings = ["o w"] });

        string.Concat(tokens.Select(t => t.Text)).ShouldBe("ello w");
        tokens[^1].IsLast.ShouldBeTrue();
    }

    [Fact]
    public async Task A_character_split_across_tokens_is_streamed_once_it_is_whole()
    {
        // "é" is the two bytes C3 A9: the first token adds no text, the second adds the whole character.
        var model = Spelling("Café!");

        var tokens = await Collect(new TextGenerator(model, Greedy), new GenerationRequest { Prompts = ["C"], MaxNewTokens = 5 });

        tokens.Select(t => t.Text).ShouldBe(["a", "f", "", "é", "!"]);
    }

    [Fact]
    public async Task An_empty_prompt_starts_from_the_bos_id_and_needs_one()
    {
        var model = new ScriptedLanguageModel(s => s.Count == 1 && s[0] == 2 ? 'A' : 'z', bos: 2);

        (await new TextGenerator(model, Greedy).GenerateAsync(new GenerationRequest { Prompts = [""], MaxNewTokens = 3 })).ShouldBe(["Azz"]);

        var noBos = Spelling("abc");
        var error = await Should.ThrowAsync<ArgumentException>(() => new TextGenerator(noBos, Greedy).GenerateAsync(new GenerationRequest { Prompts = [""], MaxNewTokens = 3 }));
        error.Message.ShouldContain("bos_token_id");
    }

    [Fact]
    public async Task A_request_longer_than_the_context_is_refused_before_any_work()
    {
        var model = Spelling("abcdef", maxLength: 16);

        var error = await Should.ThrowAsync<ArgumentException>(() => new TextGenerator(model, Greedy).GenerateAsync(new GenerationRequest { Prompts = ["abcd"], MaxNewTokens = 13 }));

        error.Message.ShouldContain("context of 16");
        error.Message.ShouldContain("Lower max_new_tokens to 12");
        model.Calls.ShouldBe(0);
    }

    [Fact]
    public async Task Cancelling_stops_at_the_next_token()
    {
        var model = Spelling("abcdefghijklmnop");
        using var cts = new CancellationTokenSource();
        var seen = new List<GeneratedToken>();

        await Should.ThrowAsync<OperationCanceledException>(async () =>
        {
            await foreach (var token in new TextGenerator(model, Greedy).StreamAsync(new GenerationRequest { Prompts = ["a"], MaxNewTokens = 10 }, cts.Token))
            {
                seen.Add(token);
                if (seen.Count == 3)
                {
                    await cts.CancelAsync();
                }
            }
        });

        seen.Count.ShouldBe(3);
        model.Calls.ShouldBe(3);
    }

    [Fact]
    public void A_draft_model_with_another_vocabulary_is_refused()
    {
        var draft = new ScriptedLanguageModel(_ => 0);
        var error = Should.Throw<ArgumentException>(() => new TextGenerator(Fortune(), Greedy, new SpeculativeOptions(draft)));

        error.Message.ShouldContain("256 token ids and the model 108");
    }
}
