using System.Diagnostics;
using GenPipe.Abstractions.Models;
using GenPipe.Autoregressive.Generation;

namespace GenPipe.Bench.Generation;

/// <summary>
/// One greedy run of the real streaming loop, <see cref="TextGenerator.StreamAsync"/> (tokenizer, sampler, stopping
/// rules and all), plain or speculative, timed as it streams: the whole run, and the generation part alone (from the
/// moment every sequence has its first token, which needs the prompt processed, to the last token).
/// </summary>
internal static class GeneratorRun
{
    /// <summary>What one run produced and how long it took.</summary>
    public sealed record Result(double TotalMs, double GenerationMs, int[][] Tokens, SpeculativeStatistics? Statistics);

    /// <summary>Generates <paramref name="newTokens"/> tokens after each of <paramref name="prompts"/> (end-of-sequence ignored).</summary>
    public static Result Run(TextGenerator generator, IReadOnlyList<string> prompts, int newTokens)
    {
        var request = new GenerationRequest { Prompts = prompts, MaxNewTokens = newTokens, StopAtEndOfSequence = false };
        var tokens = prompts.Select(_ => new List<int>(newTokens)).ToArray();
        int seen = 0;
        long start = Stopwatch.GetTimestamp();
        long firstTokens = 0;
        var stream = generator.StreamAsync(request).GetAsyncEnumerator();
        try
        {
            // The model and sampler are synchronous underneath: every MoveNextAsync completes before it returns.
            while (stream.MoveNextAsync().AsTask().GetAwaiter().GetResult())
            {
                GeneratedToken token = stream.Current;
                tokens[token.Sequence].Add(token.TokenId);
                if (++seen == prompts.Count)
                {
                    firstTokens = Stopwatch.GetTimestamp();
                }
            }
        }
        finally
        {
            stream.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        long end = Stopwatch.GetTimestamp();
        return new Result(
            Stopwatch.GetElapsedTime(start, end).TotalMilliseconds,
            Stopwatch.GetElapsedTime(firstTokens, end).TotalMilliseconds,
            [.. tokens.Select(t => t.ToArray())],
            generator.LastSpeculativeStatistics);
    }
}
