using GenPipe.Abstractions.Components;
using GenPipe.Abstractions.Models;
using GenPipe.Tensors;

namespace GenPipe.Sampling;

/// <summary>
/// The whole of <c>GenerationConfig</c> for code that runs <see cref="TokenGeneration"/> itself: the sampler's options
/// plus the stopping settings and the seed.
/// </summary>
public sealed record GenerationOptions : SamplerOptions
{
    /// <summary><c>max_new_tokens</c>: the most tokens generated after the prompt.</summary>
    public int MaxNewTokens { get; init; } = 20;

    /// <summary><c>eos_token_id</c>: ids that end a sequence; null leaves it to the model's config.</summary>
    public IReadOnlyList<int>? EosTokenId { get; init; }

    /// <summary><c>stop_strings</c>: texts that end a sequence once generated.</summary>
    public IReadOnlyList<string>? StopStrings { get; init; }

    /// <summary><c>seed</c>: seeds <see cref="CreateRandomSource"/>, PyTorch's CPU generator; null means 0.</summary>
    public long? Seed { get; init; }

    /// <summary>A PyTorch-compatible generator seeded with <see cref="Seed"/>, for reproducible sampling.</summary>
    public IRandomSource CreateRandomSource() => new TorchGenerator(Seed ?? 0);

    /// <summary>The stopping criteria: <c>max_new_tokens</c>, <c>eos_token_id</c> and <c>stop_strings</c> (which needs a detokenizer).</summary>
    public IReadOnlyList<IStoppingCriterion> CreateStoppingCriteria(Func<IReadOnlyList<int>, string>? detokenize = null)
    {
        var criteria = new List<IStoppingCriterion> { new MaxNewTokensCriterion(MaxNewTokens) };
        if (EosTokenId is { Count: > 0 })
        {
            criteria.Add(new EosTokenCriterion(EosTokenId));
        }

        if (StopStrings is { Count: > 0 })
        {
            criteria.Add(new StopStringCriterion(StopStrings, detokenize
                ?? throw new ArgumentNullException(nameof(detokenize), "stop_strings needs a detokenizer (the model's tokenizer).")));
        }

        return criteria;
    }

    /// <inheritdoc />
    public override IEnumerable<OptionProblem> Validate()
    {
        foreach (var problem in base.Validate())
        {
            yield return problem;
        }

        if (MaxNewTokens < 1)
        {
            yield return new OptionProblem("max_new_tokens", $"must be at least 1, got {MaxNewTokens}.");
        }

        for (int i = 0; StopStrings is not null && i < StopStrings.Count; i++)
        {
            if (string.IsNullOrEmpty(StopStrings[i]))
            {
                yield return new OptionProblem($"stop_strings[{i}]", "must not be empty.");
            }
        }
    }
}
