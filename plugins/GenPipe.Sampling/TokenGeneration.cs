using GenPipe.Abstractions.Models;
using GenPipe.Tensors;

namespace GenPipe.Sampling;

/// <summary>
/// The decoding loop of transformers' <c>generate()</c> for one model call per step: ask for the next logits, sample,
/// append, and stop each sequence on its own. A finished sequence gets no more tokens while the others go on.
/// </summary>
public static class TokenGeneration
{
    /// <summary>
    /// Extends every prompt until a stopping criterion holds for it. <paramref name="nextLogits"/> receives the unfinished
    /// sequences so far and returns their logits, [count, vocab]. At least one criterion must bound the length.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<int>> Generate(
        IReadOnlyList<IReadOnlyList<int>> prompts,
        Func<IReadOnlyList<IReadOnlyList<int>>, Tensor> nextLogits,
        ISampler sampler,
        IRandomSource random,
        IReadOnlyList<IStoppingCriterion> stopping,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(nextLogits);
        ArgumentNullException.ThrowIfNull(sampler);
        ArgumentNullException.ThrowIfNull(stopping);
        if (!stopping.OfType<MaxNewTokensCriterion>().Any())
        {
            // Without a length bound a model that never emits end-of-sequence would loop forever.
            throw new ArgumentException("Generation needs a MaxNewTokensCriterion (max_new_tokens).", nameof(stopping));
        }

        var sequences = prompts.Select(p => new List<int>(p)).ToList();
        int[] promptLengths = [.. prompts.Select(p => p.Count)];
        var active = Enumerable.Range(0, sequences.Count).ToList();
        while (active.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            IReadOnlyList<IReadOnlyList<int>> current = [.. active.Select(i => (IReadOnlyList<int>)sequences[i])];
            using Tensor logits = nextLogits(current);
            int[] next = sampler.Sample(logits, current, random);
            if (next.Length != active.Count)
            {
                throw new InvalidOperationException($"The sampler returned {next.Length} tokens for {active.Count} sequences.");
            }

            for (int k = 0; k < active.Count; k++)
            {
                sequences[active[k]].Add(next[k]);
            }

            active.RemoveAll(i => stopping.Any(c => c.IsDone(sequences[i], promptLengths[i])));
        }

        return sequences;
    }
}
