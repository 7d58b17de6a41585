using System.Runtime.CompilerServices;
using GenPipe.Abstractions.Models;
using GenPipe.Tensors;

namespace GenPipe.Autoregressive.Generation;

/// <summary>Speculative decoding of one sequence (batch 1). PLACEHOLDER: being written; not yet wired.</summary>
internal sealed class SpeculativeDecoder
{
    public SpeculativeDecoder(ILanguageModel target, ILanguageModel draft, ISampler sampler, int draftTokens)
    {
        Target = target;
        Draft = draft;
        Sampler = sampler;
        DraftTokens = draftTokens;
    }

    public ILanguageModel Target { get; }

    public ILanguageModel Draft { get; }

    public ISampler Sampler { get; }

    public int DraftTokens { get; }

    public SpeculativeStatistics Statistics { get; } = new();

    /// <summary>
    /// Extends <paramref name="prompt"/> one token at a time as tokens are accepted, at most
    /// <paramref name="maxNewTokens"/>; the caller stops enumerating when its own criteria hold.
    /// </summary>
    public async IAsyncEnumerable<int> GenerateAsync(IReadOnlyList<int> prompt, int maxNewTokens, IRandomSource random, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.Yield();
        throw new NotSupportedException("Speculative decoding is not written yet.");
#pragma warning disable CS0162 // Unreachable code: the iterator needs a yield.
        yield break;
#pragma warning restore CS0162
    }
}
