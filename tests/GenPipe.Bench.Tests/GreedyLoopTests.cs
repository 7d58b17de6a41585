using GenPipe.Autoregressive.Gpt2;
using GenPipe.Bench.Generation;
using GenPipe.Tensors.Backends;
using Shouldly;
using Xunit;

namespace GenPipe.Bench.Tests;

/// The generation benchmark's GenPipe loop must do the work it claims: the same greedy tokens as the model's own
/// greedy decoding, and a best-of that keeps the shortest time.
public sealed class GreedyLoopTests
{
    private static string ModelDirectory => Path.Combine(AppContext.BaseDirectory, "models", "fortune");

    [Fact]
    public void Prefill_and_decode_choose_the_models_greedy_tokens()
    {
        var model = Gpt2Model.Load(ModelDirectory, TensorBackends.Cpu);
        int[][] prompts = [[5, 17, 33, 2, 40, 41, 7, 9], [60, 61, 62, 63, 64, 65, 66, 67]];
        using var cache = model.CreateCache(2);
        int[] expected = model.GenerateGreedy([.. prompts.SelectMany(p => p)], 2, 12, cache);

        var loop = new GreedyLoop(model, prompts);
        var tokens = new int[2, 12];
        loop.Decode(11, tokens);

        for (int s = 0; s < 2; s++)
        {
            Enumerable.Range(0, 12).Select(n => tokens[s, n]).ShouldBe(expected.Skip(s * 12).Take(12), $"sequence {s}");
        }

        loop.Prefill();
        loop.LastTokens.ToArray().ShouldBe([expected[0], expected[12]]);
    }

    [Fact]
    public void Best_of_keeps_the_shortest_time_after_at_least_three_runs()
    {
        double[] times = [5, 2, 9, 4];
        int calls = 0;

        var (best, runs) = BestOf.Measure(() => times[calls++ % times.Length], budgetSeconds: 0, minimumRuns: 4);

        runs.ShouldBe(4);
        best.ShouldBe(2);
    }
}
