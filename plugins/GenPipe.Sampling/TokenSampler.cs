using GenPipe.Abstractions.Models;
using GenPipe.Tensors;

namespace GenPipe.Sampling;

/// <summary>
/// Runs a chain of logits processors over a copy of the logits, then picks each row's token: the highest score
/// (greedy, the first on ties, like <c>torch.argmax</c>) or a draw from the softmax (multinomial). A draw takes exactly
/// one <see cref="IRandomSource.NextDouble"/> per row, so the same seed and the same logits give the same tokens. The
/// draw inverts the cumulative distribution; it does not reproduce <c>torch.multinomial</c>'s numbers.
/// </summary>
public sealed class TokenSampler : ISampler
{
    /// <summary>Creates a sampler; <paramref name="doSample"/> false means greedy decoding.</summary>
    public TokenSampler(IReadOnlyList<ILogitsProcessor> processors, bool doSample)
    {
        ArgumentNullException.ThrowIfNull(processors);
        Processors = processors;
        DoSample = doSample;
    }

    /// <summary>The processors applied in order before the choice.</summary>
    public IReadOnlyList<ILogitsProcessor> Processors { get; }

    /// <summary>True to draw from the distribution, false to take the highest score.</summary>
    public bool DoSample { get; }

    /// <summary>Applies the processors to a copy of <paramref name="logits"/> and returns the processed scores.</summary>
    public Tensor ProcessScores(Tensor logits, IReadOnlyList<IReadOnlyList<int>> previousTokens)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(previousTokens);
        ScoreRows.Check(previousTokens, logits);
        // The caller's logits stay untouched: the processors work in place on a copy.
        Tensor scores = logits.Clone();
        foreach (ILogitsProcessor processor in Processors)
        {
            processor.Process(previousTokens, scores);
        }

        return scores;
    }

    /// <inheritdoc />
    public int[] Sample(Tensor logits, IReadOnlyList<IReadOnlyList<int>> previousTokens, IRandomSource random)
    {
        using Tensor scores = ProcessScores(logits, previousTokens);
        var (batch, vocab) = ScoreRows.Check(previousTokens, scores);
        if (DoSample)
        {
            ArgumentNullException.ThrowIfNull(random);
        }

        var tokens = new int[batch];
        var probabilities = new float[vocab];
        for (int r = 0; r < batch; r++)
        {
            Span<float> row = ScoreRows.Row(scores, r, vocab);
            if (!HasCandidate(row))
            {
                throw new InvalidOperationException($"Every token of sequence {r} was masked by the logits processors; relax top_k/top_p/min_p or the biases.");
            }

            tokens[r] = DoSample ? Draw(row, probabilities, random.NextDouble()) : ArgMax(row);
        }

        return tokens;
    }

    /// <inheritdoc />
    public Tensor Distribution(Tensor logits, IReadOnlyList<IReadOnlyList<int>> previousTokens)
    {
        using Tensor scores = ProcessScores(logits, previousTokens);
        var (batch, vocab) = ScoreRows.Check(previousTokens, scores);
        var distribution = Tensor.Zeros(batch, vocab);
        for (int r = 0; r < batch; r++)
        {
            Span<float> row = ScoreRows.Row(scores, r, vocab);
            if (!HasCandidate(row))
            {
                throw new InvalidOperationException($"Every token of sequence {r} was masked by the logits processors; relax top_k/top_p/min_p or the biases.");
            }

            Span<float> target = ScoreRows.Row(distribution, r, vocab);
            if (DoSample)
            {
                ScoreRows.Softmax(row, target);
            }
            else
            {
                target[ArgMax(row)] = 1f;
            }
        }

        return distribution;
    }

    /// <summary>The index of the largest value, the first one on ties (<see cref="CategoricalDraw.ArgMax"/>).</summary>
    public static int ArgMax(ReadOnlySpan<float> row) => CategoricalDraw.ArgMax(row);

    private static bool HasCandidate(ReadOnlySpan<float> row)
    {
        foreach (float x in row)
        {
            if (x > float.NegativeInfinity)
            {
                return true;
            }
        }

        return false;
    }

    // Inverse CDF in double over the softmax: tokens with probability 0 can never be chosen.
    private static int Draw(ReadOnlySpan<float> row, Span<float> probabilities, double uniform)
    {
        ScoreRows.Softmax(row, probabilities);
        return CategoricalDraw.InverseCdf(probabilities, uniform);
    }
}
