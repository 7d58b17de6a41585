using GenPipe.Autoregressive.Gpt2;
using GenPipe.Tensors;
using GenPipe.Tensors.Backends;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

using GenPipe.Nn;
using GenPipe.Nn.Tests;
using GenPipe.Text;

namespace GenPipe.Autoregressive.Tests.Gpt2;

/// <summary>
/// A left-padded batch of prompts of unequal length on the shipped <c>models/fortune</c>: the logits of every real
/// position, in the prompt and in later steps, equal those of the prompt run alone (batch 1, no padding).
/// </summary>
public sealed class Gpt2PaddedBatchTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-5;

    // 2, 7 and 13 characters; then prompts that cross the attention kernel's blocks of 64 keys.
    private static readonly string[] ShortPrompts = ["Do", "A fool ", "Love is blind"];
    private static readonly string[] LongPrompts =
    [
        "Never",
        "You will be awarded some great honor, but only after a long and tedious wait.",
        "The best way to predict the future is to invent it; the second best way is to wait for someone else to do it, then complain.",
    ];

    public static TheoryData<string, bool> Cases()
    {
        var data = new TheoryData<string, bool>();
        foreach (object[] backend in TestBackends.Names())
        {
            data.Add((string)backend[0], false);
        }

        // The naive reference takes seconds per hundred positions; the long prompts run on the CPU kernels only.
        data.Add(TestBackends.CpuName, true);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_real_position_has_the_logits_of_its_prompt_alone(string backend, bool longPrompts)
    {
        string folder = Path.Combine(AppContext.BaseDirectory, "models", "fortune");
        var model = Gpt2Model.Load(folder, TestBackends.Get(backend));
        var tokenizer = CharacterTokenizer.Load(Path.Combine(folder, "vocab.json"));
        int[][] prompts = [.. (longPrompts ? LongPrompts : ShortPrompts).Select(p => tokenizer.Encode(p).ToArray())];
        int batch = prompts.Length, longest = prompts.Max(p => p.Length);
        int[] padding = [.. prompts.Select(p => longest - p.Length)];
        if (!longPrompts)
        {
            prompts.Select(p => p.Length).ShouldBe([2, 7, 13]);
        }

        // Each prompt alone: its prompt logits, then greedy steps, then a chunk of three tokens at once.
        const int Steps = 4;
        int[] chunk = [.. tokenizer.Encode("ok.")];
        var alone = new List<float[][]>();
        var stepTokens = new int[batch][];
        foreach (int[] prompt in prompts)
        {
            using var cache = model.CreateCache(1);
            var logits = new List<float[]>(Rows(model.Forward(prompt, 1, cache), 0));
            var tokens = new int[Steps];
            for (int n = 0; n < Steps; n++)
            {
                tokens[n] = ArgMax(logits[^1]);
                logits.AddRange(Rows(model.Forward([tokens[n]], 1, cache), 0));
            }

            logits.AddRange(Rows(model.Forward(chunk, 1, cache), 0));
            alone.Add([.. logits]);
            stepTokens[alone.Count - 1] = tokens;
        }

        // The same in one left-padded batch; each row's padding is its own first id repeated.
        using var padded = model.CreateCache(padding);
        int[] tokensIn = [.. prompts.SelectMany(p => Enumerable.Repeat(p[0], longest - p.Length).Concat(p))];
        var batched = new List<float[]>[batch];
        var first = model.Forward(tokensIn, batch, padded);
        for (int s = 0; s < batch; s++)
        {
            batched[s] = [.. Rows(first, s).Skip(padding[s])];
        }

        for (int n = 0; n < Steps; n++)
        {
            var logits = model.Forward([.. stepTokens.Select(t => t[n])], batch, padded);
            for (int s = 0; s < batch; s++)
            {
                batched[s].AddRange(Rows(logits, s));
            }
        }

        var last = model.Forward([.. Enumerable.Repeat(chunk, batch).SelectMany(c => c)], batch, padded);
        for (int s = 0; s < batch; s++)
        {
            batched[s].AddRange(Rows(last, s));
        }

        padded.Length.ShouldBe(longest + Steps + chunk.Length);
        double worst = 0;
        for (int s = 0; s < batch; s++)
        {
            batched[s].Count.ShouldBe(alone[s].Length, $"prompt {s}");
            for (int t = 0; t < alone[s].Length; t++)
            {
                double error = RelativeError(batched[s][t], alone[s][t]);
                error.ShouldBeLessThanOrEqualTo(Tolerance, $"{backend}: prompt {s} (length {prompts[s].Length}), position {t}");
                worst = Math.Max(worst, error);
            }
        }

        output.WriteLine($"{backend}, lengths {string.Join("/", prompts.Select(p => p.Length))}: worst max|padded - alone| / max|alone| = {worst:g3}");
    }

    [Fact]
    public void A_padded_cache_checks_its_padding()
    {
        // A cache lives on the model's device, so the model must be loaded first.
        using var model = Gpt2Model.Load(Path.Combine(AppContext.BaseDirectory, "models", "fortune"), TensorBackends.Cpu);
        using var cache = model.CreateCache([0, 3, 1], capacity: 16);
        cache.LeftPadding.ShouldBe([0, 3, 1]);
        cache.IsPadded.ShouldBeTrue();
        cache.BatchSize.ShouldBe(3);
        model.CreateCache([0, 0]).IsPadded.ShouldBeFalse();
        Should.Throw<ArgumentException>(() => model.CreateCache([0, 16], capacity: 16)).Message.ShouldContain("[0, 16)");
        Should.Throw<ArgumentException>(() => model.CreateCache([-1, 0])).Message.ShouldContain("Sequence 0 has -1 padding positions");
    }

    private static IEnumerable<float[]> Rows(TensorView logits, int sequence)
    {
        var rows = new float[logits.Dim(1)][];
        for (int t = 0; t < rows.Length; t++)
        {
            rows[t] = logits.Select(0, sequence).Select(0, t).ToArray();
        }

        return rows;
    }

    private static double RelativeError(float[] actual, float[] expected)
    {
        double scale = expected.Max(Math.Abs), worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(actual[i] - expected[i]));
        }

        return worst / scale;
    }

    private static int ArgMax(float[] row)
    {
        int best = 0;
        for (int i = 1; i < row.Length; i++)
        {
            if (row[i] > row[best])
            {
                best = i;
            }
        }

        return best;
    }
}
