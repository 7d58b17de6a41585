using GenPipe.Abstractions.Models;
using GenPipe.Autoregressive.Generation;
using GenPipe.Sampling;
using GenPipe.Tensors;
using Shouldly;
using Xunit;

namespace GenPipe.Autoregressive.Tests.Generation;

/// <summary>The counts speculative decoding reports, and the limits it keeps (context, max new tokens, cancellation).</summary>
public sealed class SpeculativeStatisticsTests
{
    private static double Logit(IReadOnlyList<int> prefix, int v) => Math.Sin((0.7 * v) + prefix.Count + (0.3 * prefix.Sum()));

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_draft_equal_to_the_model_is_always_accepted(bool doSample)
    {
        var target = new SpeculativeFakeModel(5, Logit);
        var draft = new SpeculativeFakeModel(5, Logit);
        var sampler = new TokenSampler([new TemperatureLogitsWarper(1.0)], doSample);
        var generator = new TextGenerator(target, sampler, new SpeculativeOptions(draft, 4));
        var request = new GenerationRequest { Prompts = ["abc"], MaxNewTokens = 23, Seed = 5 };

        string text = (await generator.GenerateAsync(request))[0];

        text.Length.ShouldBe(23);
        var statistics = generator.LastSpeculativeStatistics.ShouldNotBeNull();
        statistics.AcceptanceRate.ShouldBe(1);
        statistics.Accepted.ShouldBe(statistics.Drafted);

        // Rounds of 4 drafts + 1 token: 4 rounds give 20 tokens, and a last round of 2 drafts + 1 gives the other 3.
        statistics.TargetCalls.ShouldBe(5);
        statistics.Drafted.ShouldBe(18);
        target.Calls.ShouldBe(5);
    }

    [Fact]
    public async Task Counts_add_up_and_caches_stay_within_the_context()
    {
        // Prompt 3 + 9 new tokens fill the 12-position context exactly; drafts of 7 must shrink on the way.
        var target = new SpeculativeFakeModel(5, Logit, maxSequenceLength: 12);
        var draft = new SpeculativeFakeModel(5, (prefix, v) => Math.Cos(v + prefix.Count), maxSequenceLength: 12);
        var sampler = new TokenSampler([], doSample: true);
        var generator = new TextGenerator(target, sampler, new SpeculativeOptions(draft, 7));
        var request = new GenerationRequest { Prompts = ["abc"], MaxNewTokens = 9, Seed = 11 };

        (await generator.GenerateAsync(request))[0].Length.ShouldBe(9);

        var statistics = generator.LastSpeculativeStatistics.ShouldNotBeNull();
        (statistics.Accepted + statistics.TargetCalls).ShouldBe(9);
        statistics.Accepted.ShouldBeLessThanOrEqualTo(statistics.Drafted);
        target.LongestCache.ShouldBeLessThanOrEqualTo(11);
        draft.LongestCache.ShouldBeLessThanOrEqualTo(11);
    }

    [Fact]
    public async Task The_decoder_stops_when_the_context_is_full()
    {
        // Asked for more than fits, the decoder ends with a full target cache predicting one last token.
        var target = new SpeculativeFakeModel(5, Logit, maxSequenceLength: 10);
        var draft = new SpeculativeFakeModel(5, Logit, maxSequenceLength: 6);
        var decoder = new SpeculativeDecoder(target, draft, new TokenSampler([], doSample: false), 3);
        var ids = new List<int>();
        await foreach (int id in decoder.GenerateAsync([0, 1], 100, new TorchGenerator(0), CancellationToken.None))
        {
            ids.Add(id);
        }

        ids.Count.ShouldBe(9);
        target.LongestCache.ShouldBe(10);
        draft.LongestCache.ShouldBeLessThanOrEqualTo(6);
    }

    [Fact]
    public async Task Cancelling_stops_at_the_next_round()
    {
        var target = new SpeculativeFakeModel(5, Logit);
        var decoder = new SpeculativeDecoder(target, new SpeculativeFakeModel(5, Logit), new TokenSampler([], doSample: false), 2);
        using var cancellation = new CancellationTokenSource();
        var ids = new List<int>();
        await Should.ThrowAsync<OperationCanceledException>(async () =>
        {
            await foreach (int id in decoder.GenerateAsync([0], 30, new TorchGenerator(0), cancellation.Token))
            {
                ids.Add(id);
                cancellation.Cancel();
            }
        });

        // The first round's three tokens were decided together and still arrive; no second round starts.
        ids.Count.ShouldBe(3);
        target.Calls.ShouldBe(1);
    }
}
