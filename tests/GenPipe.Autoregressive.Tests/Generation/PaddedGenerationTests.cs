using GenPipe.Abstractions.Models;
using GenPipe.Autoregressive.Generation;
using GenPipe.Autoregressive.Gpt2;
using GenPipe.Sampling;
using GenPipe.Tensors;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

using GenPipe.Nn.Tests;

namespace GenPipe.Autoregressive.Tests.Generation;

/// <summary>
/// Prompts of unequal length generated in one request (one left-padded batch) on <c>models/fortune</c> continue
/// token for token as each prompt generated alone.
/// </summary>
public sealed class PaddedGenerationTests(ITestOutputHelper output)
{
    private static readonly string[] Prompts = ["Do", "A fool ", "Love is blind", "The secret of success is"];

    // The naive reference backend takes half a minute for these 5 × 64 steps; Gpt2PaddedBatchTests runs it on logits.
    [Theory]
    [InlineData(TestBackends.CpuName)]
    public async Task Greedy_batch_equals_each_prompt_alone(string backend)
    {
        var model = Gpt2LanguageModel.Load(FortuneFolder, TestBackends.Get(backend));
        var generator = new TextGenerator(model, new TokenSampler([], doSample: false));
        Prompts.Select(p => model.Tokenizer.Encode(p).Count).Distinct().Count().ShouldBe(Prompts.Length);
        var request = new GenerationRequest { Prompts = Prompts, MaxNewTokens = 64, StopAtEndOfSequence = false };

        var batched = await Ids(generator, request);
        for (int s = 0; s < Prompts.Length; s++)
        {
            var alone = await Ids(generator, request with { Prompts = [Prompts[s]] });
            batched[s].Count.ShouldBe(64);
            batched[s].ShouldBe(alone[0], $"{backend}: prompt {s} '{Prompts[s]}'");
        }

        output.WriteLine($"{backend}: {Prompts.Length} prompts × 64 tokens equal alone and batched; e.g. '{Prompts[2]}' -> '{model.Tokenizer.Decode([.. batched[2]])}'");
    }

    [Fact]
    public async Task Sequences_that_stop_early_ride_along_and_the_sampler_sees_only_real_tokens()
    {
        // The stop string ends the sequences at different steps; the finished ones keep riding in the batch. The
        // sampler (here with a repetition penalty) is shown each sequence without its padding.
        var model = Gpt2LanguageModel.Load(FortuneFolder, TestBackends.Fastest);
        var sampler = new RecordingSampler(new SamplerOptions { RepetitionPenalty = 1.3 }.CreateSampler());
        var generator = new TextGenerator(model, sampler);
        var request = new GenerationRequest { Prompts = Prompts, MaxNewTokens = 80, StopStrings = ["."] };

        var batched = await generator.GenerateAsync(request);
        var firstCall = sampler.Calls[0];
        var lengths = new HashSet<int>();
        for (int s = 0; s < Prompts.Length; s++)
        {
            firstCall[s].ShouldBe(model.Tokenizer.Encode(Prompts[s]), $"prompt {s}");
            var alone = await generator.GenerateAsync(request with { Prompts = [Prompts[s]] });
            batched[s].ShouldBe(alone[0], $"prompt {s} '{Prompts[s]}'");
            lengths.Add(batched[s].Length);
        }

        lengths.Count.ShouldBeGreaterThan(1, "the sequences should stop at different steps");
        output.WriteLine(string.Join(" | ", batched));
    }

    [Fact]
    public void A_model_without_padding_refuses_a_padded_cache_and_accepts_zero_padding()
    {
        ISequenceModel model = new UnpaddedModel();
        model.CreateCache([0, 0, 0]).ShouldBeOfType<UnpaddedModel.Cache>().BatchSize.ShouldBe(3);
        Should.Throw<NotSupportedException>(() => model.CreateCache([0, 2])).Message.ShouldContain("UnpaddedModel cannot run a left-padded batch");
    }

    private static string FortuneFolder => Path.Combine(AppContext.BaseDirectory, "models", "fortune");

    private static async Task<List<int>[]> Ids(TextGenerator generator, GenerationRequest request)
    {
        var ids = request.Prompts.Select(_ => new List<int>()).ToArray();
        await foreach (var token in generator.StreamAsync(request))
        {
            ids[token.Sequence].Add(token.TokenId);
        }

        return ids;
    }

    /// <summary>Passes every call on and keeps a copy of the sequences it was shown.</summary>
    private sealed class RecordingSampler(ISampler inner) : ISampler
    {
        public List<int[][]> Calls { get; } = [];

        public bool DoSample => inner.DoSample;

        public int[] Sample(Tensor logits, IReadOnlyList<IReadOnlyList<int>> previousTokens, IRandomSource random)
        {
            Calls.Add([.. previousTokens.Select(t => t.ToArray())]);
            return inner.Sample(logits, previousTokens, random);
        }

        public Tensor Distribution(Tensor logits, IReadOnlyList<IReadOnlyList<int>> previousTokens) =>
            inner.Distribution(logits, previousTokens);
    }

    /// <summary>A model that only implements the original contract.</summary>
    private sealed class UnpaddedModel : ISequenceModel
    {
        public int VocabularySize => 2;

        public int MaxSequenceLength => 8;

        public IKeyValueCache CreateCache(int batchSize) => new Cache(batchSize);

        public ValueTask<Tensor> ForwardAsync(ReadOnlyMemory<int> tokens, int batchSize, IKeyValueCache cache, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public sealed class Cache(int batchSize) : IKeyValueCache
        {
            public int BatchSize => batchSize;

            public int Length => 0;

            public void Truncate(int length)
            {
            }

            public void Dispose()
            {
            }
        }
    }
}
