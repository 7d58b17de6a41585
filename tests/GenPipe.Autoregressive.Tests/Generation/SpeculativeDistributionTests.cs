using GenPipe.Abstractions.Models;
using GenPipe.Autoregressive.Generation;
using GenPipe.Sampling;
using GenPipe.Tensors;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace GenPipe.Autoregressive.Tests.Generation;

/// <summary>
/// Speculative sampling must leave the model's distribution unchanged (Leviathan et al. 2023, Theorem 1). Two fake
/// models of five tokens with closed-form logits (the draft deliberately far from the model) give the exact joint
/// distribution of the first three tokens; 50,000 seeded runs must match it within what sampling noise allows, and
/// the same check must reject a sampler that skips the correction.
/// </summary>
public sealed class SpeculativeDistributionTests(ITestOutputHelper output)
{
    private const int Vocabulary = 5;
    private const int Tokens = 3;
    private const int Runs = 50_000;
    private const double Temperature = 0.8;
    private static readonly int[] Prompt = [1, 2];
    private static readonly int Cells = (int)Math.Pow(Vocabulary, Tokens);

    private static readonly SpeculativeFakeModel Target = new(Vocabulary, (prefix, v) => 1.6 * Math.Sin((1.3 * v) + (0.9 * Hash(prefix))));

    // Far from the target: it favours token 0 and follows another function of the prefix.
    private static readonly SpeculativeFakeModel Draft = new(Vocabulary, (prefix, v) => (1.2 * Math.Cos((0.8 * v) + (0.5 * Hash(prefix)))) + (v == 0 ? 1.0 : 0.0));

    private static readonly ISampler Sampler = new TokenSampler([new TemperatureLogitsWarper(Temperature)], doSample: true);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task The_first_three_tokens_follow_the_models_exact_joint_distribution(int draftTokens)
    {
        var decoder = new SpeculativeDecoder(Target, Draft, Sampler, draftTokens);
        var random = new TorchGenerator(20_231_123 + draftTokens);
        var counts = new long[Cells];
        var ids = new List<int>(Tokens);
        for (int run = 0; run < Runs; run++)
        {
            ids.Clear();
            await foreach (int id in decoder.GenerateAsync(Prompt, Tokens, random, CancellationToken.None))
            {
                ids.Add(id);
            }

            ids.Count.ShouldBe(Tokens);
            counts[Cell(ids)]++;
        }

        Check(counts, ExactJoint(Target)).ShouldBeNull();
        output.WriteLine($"K = {draftTokens}: {ChiSquared(counts, ExactJoint(Target)):F1} chi-squared over {Cells - 1} degrees of freedom, acceptance {decoder.Statistics.AcceptanceRate:F3}");

        // The draft was far enough from the model that its proposals were often rejected: the correction was exercised.
        decoder.Statistics.AcceptanceRate.ShouldBeInRange(0.1, 0.9);
    }

    [Fact]
    public void The_check_rejects_samplers_that_skip_the_correction()
    {
        // The draft's own distribution differs from the model's...
        string? draftOnly = Check(Sample(SampleFromDraft), ExactJoint(Target));
        output.WriteLine($"draft only: {draftOnly}");
        draftOnly.ShouldNotBeNull();

        // ...and so does speculative sampling that redraws a rejected position from p instead of norm(max(0, p - q)).
        string? noResidual = Check(Sample(r => NaiveSpeculative(r, residual: false)), ExactJoint(Target));
        output.WriteLine($"no residual: {noResidual}");
        noResidual.ShouldNotBeNull();

        // The same simplified sampler with the residual passes, so the failures above come from the missing correction.
        Check(Sample(r => NaiveSpeculative(r, residual: true)), ExactJoint(Target)).ShouldBeNull();

        // And the draft's samples do match the draft's own exact distribution.
        Check(Sample(SampleFromDraft), ExactJoint(Draft)).ShouldBeNull();
    }

    [Fact]
    public async Task The_same_seed_gives_the_same_tokens()
    {
        async Task<int[]> Generate(long seed)
        {
            var decoder = new SpeculativeDecoder(Target, Draft, Sampler, 3);
            var ids = new List<int>();
            await foreach (int id in decoder.GenerateAsync(Prompt, 40, new TorchGenerator(seed), CancellationToken.None))
            {
                ids.Add(id);
            }

            return [.. ids];
        }

        int[] first = await Generate(7);
        first.Length.ShouldBe(40);
        (await Generate(7)).ShouldBe(first);
        (await Generate(8)).ShouldNotBe(first);
    }

    // Per-cell 5-sigma bound and a chi-squared bound (mean + 6 standard deviations for Cells - 1 degrees of freedom);
    // null when both hold, else what failed.
    private static string? Check(long[] counts, double[] exact)
    {
        string? worstCell = null;
        long total = counts.Sum();
        double chiSquared = 0;
        for (int cell = 0; cell < Cells; cell++)
        {
            double expected = total * exact[cell];
            double sigma = Math.Sqrt(expected * (1 - exact[cell]));
            if (worstCell is null && Math.Abs(counts[cell] - expected) > (5 * sigma) + 1)
            {
                worstCell = $"cell {cell}: {counts[cell]} samples, {expected:F1} expected (sigma {sigma:F1}); ";
            }

            chiSquared += (counts[cell] - expected) * (counts[cell] - expected) / expected;
        }

        double freedom = Cells - 1;
        double bound = freedom + (6 * Math.Sqrt(2 * freedom));
        return worstCell is null && chiSquared <= bound ? null : $"{worstCell}chi-squared {chiSquared:F1}, bound {bound:F1}";
    }

    private static double ChiSquared(long[] counts, double[] exact)
    {
        long total = counts.Sum();
        return counts.Select((count, cell) => (count - (total * exact[cell])) * (count - (total * exact[cell])) / (total * exact[cell])).Sum();
    }

    private static double[] ExactJoint(SpeculativeFakeModel model)
    {
        var joint = new double[Cells];
        for (int cell = 0; cell < Cells; cell++)
        {
            int[] tokens = Tokens3(cell);
            double probability = 1;
            for (int i = 0; i < Tokens; i++)
            {
                probability *= Probabilities(model, [.. Prompt, .. tokens[..i]])[tokens[i]];
            }

            joint[cell] = probability;
        }

        joint.Sum().ShouldBe(1, 1e-9);
        return joint;
    }

    // The sampler's distribution in closed form: softmax(logits / temperature), in double.
    private static double[] Probabilities(SpeculativeFakeModel model, IReadOnlyList<int> prefix)
    {
        double[] scaled = [.. model.Logits(prefix).Select(l => l / Temperature)];
        double max = scaled.Max();
        double[] e = [.. scaled.Select(s => Math.Exp(s - max))];
        double sum = e.Sum();
        return [.. e.Select(x => x / sum)];
    }

    private static long[] Sample(Func<IRandomSource, List<int>> sampler)
    {
        var random = new TorchGenerator(99);
        var counts = new long[Cells];
        for (int run = 0; run < Runs; run++)
        {
            counts[Cell(sampler(random))]++;
        }

        return counts;
    }

    private static List<int> SampleFromDraft(IRandomSource random)
    {
        var sequence = new List<int>(Prompt);
        while (sequence.Count < Prompt.Length + Tokens)
        {
            sequence.Add(Inverse(Probabilities(Draft, sequence), random.NextDouble()));
        }

        return sequence[Prompt.Length..];
    }

    // Speculative sampling written out on the closed-form distributions, with two drafts a round; without the residual
    // a rejected position is redrawn from p, the mistake the check must catch.
    private static List<int> NaiveSpeculative(IRandomSource random, bool residual)
    {
        var sequence = new List<int>(Prompt);
        int end = Prompt.Length + Tokens;
        while (sequence.Count < end)
        {
            int k = Math.Min(2, end - sequence.Count - 1);
            var drafts = new List<int>();
            var q = new List<double[]>();
            for (int i = 0; i < k; i++)
            {
                q.Add(Probabilities(Draft, [.. sequence, .. drafts]));
                drafts.Add(Inverse(q[i], random.NextDouble()));
            }

            bool rejected = false;
            for (int i = 0; i < k && !rejected; i++)
            {
                double[] p = Probabilities(Target, sequence); // the prefix plus the drafts accepted so far
                int x = drafts[i];
                if (random.NextDouble() < Math.Min(1, p[x] / q[i][x]))
                {
                    sequence.Add(x);
                    continue;
                }

                double[] redraw = residual ? [.. p.Zip(q[i], (a, b) => Math.Max(0, a - b))] : p;
                sequence.Add(Inverse(redraw, random.NextDouble()));
                rejected = true;
            }

            if (!rejected)
            {
                sequence.Add(Inverse(Probabilities(Target, sequence), random.NextDouble()));
            }
        }

        return sequence[Prompt.Length..];
    }

    private static int Inverse(double[] weights, double uniform)
    {
        double target = uniform * weights.Sum();
        double cumulative = 0;
        int last = 0;
        for (int i = 0; i < weights.Length; i++)
        {
            if (weights[i] <= 0)
            {
                continue;
            }

            last = i;
            cumulative += weights[i];
            if (target < cumulative)
            {
                return i;
            }
        }

        return last;
    }

    private static int Cell(IReadOnlyList<int> tokens) => (tokens[0] * Vocabulary * Vocabulary) + (tokens[1] * Vocabulary) + tokens[2];

    private static int[] Tokens3(int cell) => [cell / (Vocabulary * Vocabulary), cell / Vocabulary % Vocabulary, cell % Vocabulary];

    private static double Hash(IReadOnlyList<int> prefix)
    {
        double hash = 0;
        for (int i = 0; i < prefix.Count; i++)
        {
            hash += (prefix[i] + 1) * (i + 2);
        }

        return hash;
    }
}
