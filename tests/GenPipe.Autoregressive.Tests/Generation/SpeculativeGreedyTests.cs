using GenPipe.Abstractions.Models;
using GenPipe.Autoregressive.Generation;
using GenPipe.Autoregressive.Gpt2;
using GenPipe.Sampling;
using GenPipe.Tensors.Backends;
using Shouldly;
using Xunit;

namespace GenPipe.Autoregressive.Tests.Generation;

/// <summary>
/// With a greedy sampler speculative decoding must reproduce greedy decoding token for token: the shipped fortune model
/// verifies what fortune-draft proposes, for several prompts and draft lengths.
/// </summary>
public sealed class SpeculativeGreedyTests
{
    /// <summary>Names a file of prompts, one per line, that the greedy-equality check runs on as well.</summary>
    public const string PromptsVariable = "GENPIPE_SPECULATIVE_PROMPTS";

    private const int NewTokens = 120;

    private static readonly int[] DraftLengths = [1, 2, 4, 7];

    // The models reuse their activation memory between calls, so this class's tests (which xunit runs one at a time) own them.
    private static readonly Lazy<(ILanguageModel Target, ILanguageModel Draft)> Models = new(() => (Load("fortune"), Load("fortune-draft")));

    public static TheoryData<string> Prompts() =>
    [
        "",
        "A fool and his money",
        "Q:\tWhy did the chicken cross the road?\nA:",
        "~{|}` \"quoted\" [brackets] 1234567890 #$%&*+",
    ];

    [Theory]
    [MemberData(nameof(Prompts))]
    public async Task Greedy_speculative_output_equals_greedy_decoding(string prompt)
    {
        await ExpectGreedyEqualityAsync(prompt, NewTokens);
    }

    [Fact]
    public async Task Greedy_speculative_output_equals_greedy_decoding_for_the_prompts_file_when_one_is_named()
    {
        // A checker names its own prompts at check time; without the variable this test checks the default prompts' length.
        string? file = Environment.GetEnvironmentVariable(PromptsVariable);
        if (string.IsNullOrEmpty(file))
        {
            Prompts().Count.ShouldBeGreaterThan(0);
            return;
        }

        File.Exists(file).ShouldBeTrue($"{PromptsVariable} names {file}, which does not exist.");
        string[] prompts = await File.ReadAllLinesAsync(file);
        var (target, draft) = Models.Value;
        foreach (string prompt in prompts)
        {
            int room;
            try
            {
                room = target.MaxSequenceLength - Math.Max(target.Tokenizer.Encode(prompt).Count, 1);
            }
            catch (ArgumentException)
            {
                room = 0;
            }

            if (room >= 1)
            {
                await ExpectGreedyEqualityAsync(prompt, Math.Min(NewTokens, room));
                continue;
            }

            // A prompt the model cannot continue (a character outside the vocabulary, no room left) is refused alike.
            var sampler = new TokenSampler([], doSample: false);
            var request = new GenerationRequest { Prompts = [prompt], MaxNewTokens = 1 };
            var plain = await Should.ThrowAsync<ArgumentException>(() => new TextGenerator(target, sampler).GenerateAsync(request));
            var speculative = await Should.ThrowAsync<ArgumentException>(() => new TextGenerator(target, sampler, new SpeculativeOptions(draft, 3)).GenerateAsync(request));
            speculative.Message.ShouldBe(plain.Message, $"prompt \"{prompt}\"");
        }
    }

    [Fact]
    public async Task Greedy_equality_holds_up_to_the_end_of_the_context()
    {
        // 200 + 56 = 256 positions, the models' whole context: the last rounds must shrink their drafts.
        var (target, _) = Models.Value;
        string prompt = string.Concat(Enumerable.Repeat("Whenever you find yourself on the side of the majority, ", 4))[..200];
        await ExpectGreedyEqualityAsync(prompt, target.MaxSequenceLength - 200);
    }

    [Fact]
    public async Task Greedy_equality_holds_with_a_repetition_penalty_that_sees_the_drafts()
    {
        // The penalty reads each position's prefix: drafts not yet accepted must count as earlier tokens there.
        var (target, draft) = Models.Value;
        var sampler = new TokenSampler([new RepetitionPenaltyLogitsProcessor(1.3)], doSample: false);
        var request = new GenerationRequest { Prompts = ["The best things in life"], MaxNewTokens = NewTokens, StopAtEndOfSequence = false };
        int[] plain = await IdsAsync(new TextGenerator(target, sampler), request);
        foreach (int k in DraftLengths)
        {
            int[] speculative = await IdsAsync(new TextGenerator(target, sampler, new SpeculativeOptions(draft, k)), request);
            speculative.ShouldBe(plain, $"K = {k}");
        }
    }

    [Fact]
    public async Task A_prompt_outside_the_vocabulary_fails_alike_with_and_without_a_draft()
    {
        // The character tokenizer has no unknown token, so there is no continuation to compare; both must refuse the prompt.
        var (target, draft) = Models.Value;
        var sampler = new TokenSampler([], doSample: false);
        var request = new GenerationRequest { Prompts = ["snow \u2603 man"], MaxNewTokens = 5 };
        var plain = await Should.ThrowAsync<ArgumentException>(() => new TextGenerator(target, sampler).GenerateAsync(request));
        var speculative = await Should.ThrowAsync<ArgumentException>(() => new TextGenerator(target, sampler, new SpeculativeOptions(draft, 3)).GenerateAsync(request));
        speculative.Message.ShouldBe(plain.Message);
    }

    private static async Task ExpectGreedyEqualityAsync(string prompt, int newTokens)
    {
        var (target, draft) = Models.Value;
        var sampler = new TokenSampler([], doSample: false);
        var request = new GenerationRequest { Prompts = [prompt], MaxNewTokens = newTokens, StopAtEndOfSequence = false };
        int[] plain = await IdsAsync(new TextGenerator(target, sampler), request);
        plain.Length.ShouldBe(newTokens);
        foreach (int k in DraftLengths)
        {
            var generator = new TextGenerator(target, sampler, new SpeculativeOptions(draft, k));
            int[] speculative = await IdsAsync(generator, request);
            speculative.ShouldBe(plain, $"prompt \"{prompt}\", K = {k}");
            var statistics = generator.LastSpeculativeStatistics.ShouldNotBeNull();
            statistics.Accepted.ShouldBeLessThanOrEqualTo(statistics.Drafted);

            // Each verification adds the accepted drafts and one token of its own.
            (statistics.Accepted + statistics.TargetCalls).ShouldBe(newTokens, $"K = {k}");
        }

        // Stopping at the end-of-sequence id only cuts the same stream short (the generator stops reading mid-round).
        int end = Array.FindIndex(plain, target.EndOfSequenceTokenIds.Contains);
        int[] expected = end < 0 ? plain : plain[..(end + 1)];
        var stopping = request with { StopAtEndOfSequence = true };
        (await IdsAsync(new TextGenerator(target, sampler, new SpeculativeOptions(draft, 4)), stopping)).ShouldBe(expected, $"prompt \"{prompt}\", stopping at eos");
    }

    private static async Task<int[]> IdsAsync(TextGenerator generator, GenerationRequest request)
    {
        var ids = new List<int>();
        await foreach (var token in generator.StreamAsync(request))
        {
            ids.Add(token.TokenId);
        }

        return [.. ids];
    }

    private static ILanguageModel Load(string name) =>
        Gpt2LanguageModel.Load(Path.Combine(AppContext.BaseDirectory, "models", name), TensorBackends.Cpu);
}
