using GenPipe.Tensors;
using Shouldly;
using Xunit;

namespace GenPipe.Sampling.Tests;

/// <summary>Greedy and seeded multinomial choice through a processor chain.</summary>
public sealed class TokenSamplerTests
{
    private static readonly float[] Logits = [0.5f, 2f, -1f, 2f, 1.5f, 0f];

    private static Tensor Rows(int batch) => new([.. Enumerable.Repeat(Logits, batch).SelectMany(r => r)], batch, Logits.Length);

    private static IReadOnlyList<IReadOnlyList<int>> Ids(int batch) => [.. Enumerable.Repeat<IReadOnlyList<int>>([], batch)];

    [Fact]
    public void Greedy_takes_the_first_of_the_highest_scores()
    {
        using Tensor logits = Rows(2);

        new TokenSampler([], doSample: false).Sample(logits, Ids(2), new TorchGenerator(0)).ShouldBe([1, 1]);
    }

    [Fact]
    public void Greedy_sees_the_processed_scores()
    {
        // Token 1 was seen: the penalty 2 halves its score to 1, so token 3 (2.0) wins.
        using Tensor logits = Rows(1);

        new TokenSampler([new RepetitionPenaltyLogitsProcessor(2)], doSample: false).Sample(logits, [[1]], new TorchGenerator(0)).ShouldBe([3]);
    }

    [Fact]
    public void The_same_seed_draws_the_same_tokens_and_another_seed_other_tokens()
    {
        var sampler = new SamplerOptions { DoSample = true, TopK = 0 }.CreateSampler();
        int[] Draw(long seed)
        {
            var random = new TorchGenerator(seed);
            using Tensor logits = Rows(1);
            return [.. Enumerable.Range(0, 64).Select(_ => sampler.Sample(logits, Ids(1), random)[0])];
        }

        int[] first = Draw(42);

        Draw(42).ShouldBe(first);
        Draw(43).ShouldNotBe(first);
    }

    [Fact]
    public void The_distribution_of_a_sampler_is_the_softmax_of_its_processed_scores()
    {
        // Temperature 0.5 and top-k 3 keep tokens 1, 3 and 4 with weights exp(4), exp(4), exp(3).
        var sampler = new TokenSampler([new TemperatureLogitsWarper(0.5), new TopKLogitsWarper(3)], doSample: true);
        using Tensor logits = Rows(2);

        using Tensor distribution = sampler.Distribution(logits, Ids(2));

        double total = (2 * Math.Exp(4)) + Math.Exp(3);
        float[] expected = [0, (float)(Math.Exp(4) / total), 0, (float)(Math.Exp(4) / total), (float)(Math.Exp(3) / total), 0];
        distribution.GetShape().ShouldBe([2, Logits.Length]);
        for (int r = 0; r < 2; r++)
        {
            for (int t = 0; t < Logits.Length; t++)
            {
                distribution[r, t].ShouldBe(expected[t], 1e-6f, $"row {r}, token {t}");
            }
        }
    }

    [Fact]
    public void The_distribution_of_a_greedy_sampler_puts_all_mass_on_its_choice()
    {
        using Tensor logits = Rows(1);
        var sampler = new TokenSampler([new RepetitionPenaltyLogitsProcessor(2)], doSample: false);

        using Tensor distribution = sampler.Distribution(logits, [[1]]);

        distribution.Span.ToArray().ShouldBe([0f, 0f, 0f, 1f, 0f, 0f]);
    }

    [Fact]
    public void Draws_follow_the_softmax_of_the_processed_scores()
    {
        var sampler = new TokenSampler([new TemperatureLogitsWarper(0.5)], doSample: true);
        var random = new TorchGenerator(7);
        var counts = new int[Logits.Length];
        const int Draws = 4000;
        using Tensor logits = Rows(1);
        for (int i = 0; i < Draws; i++)
        {
            counts[sampler.Sample(logits, Ids(1), random)[0]]++;
        }

        double[] exp = [.. Logits.Select(x => Math.Exp(x / 0.5))];
        double total = exp.Sum();
        for (int t = 0; t < Logits.Length; t++)
        {
            // Four standard deviations of a binomial proportion with 4000 draws is below 0.032.
            ((double)counts[t] / Draws).ShouldBe(exp[t] / total, 0.032, $"token {t}");
        }
    }

    [Fact]
    public void Masked_tokens_are_never_drawn()
    {
        var sampler = new TokenSampler([new TopKLogitsWarper(2)], doSample: true);
        var random = new TorchGenerator(1);
        using Tensor logits = Rows(3);

        var drawn = Enumerable.Range(0, 200).SelectMany(_ => sampler.Sample(logits, Ids(3), random)).Distinct().Order();

        drawn.ShouldBe([1, 3]);
    }

    [Fact]
    public void Sampling_leaves_the_callers_logits_alone()
    {
        using Tensor logits = Rows(1);

        new TokenSampler([new TopKLogitsWarper(1)], doSample: true).Sample(logits, Ids(1), new TorchGenerator(0));

        logits.Span.ToArray().ShouldBe(Logits);
    }

    [Fact]
    public void A_row_with_every_token_masked_is_a_clear_error()
    {
        using Tensor logits = new(Enumerable.Repeat(float.NegativeInfinity, 4).ToArray(), 1, 4);

        Should.Throw<InvalidOperationException>(() => new TokenSampler([], doSample: true).Sample(logits, Ids(1), new TorchGenerator(0)))
            .Message.ShouldContain("Every token of sequence 0 was masked");
    }
}
