using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using GenPipe.Abstractions.Components;
using GenPipe.Abstractions.Models;
using GenPipe.Tensors;

namespace GenPipe.Sampling;

/// <summary>
/// Options of <see cref="TokenSampler"/> (the <c>sampler/*</c> components), with transformers' <c>GenerationConfig</c>
/// key names and defaults (greedy unless <c>do_sample</c>; <c>top_k</c> 50). How long to generate and the seed belong to
/// the run, not to the sampler: the <c>generate</c> operator takes them as inputs, and code uses
/// <see cref="GenerationOptions"/>. A processor is added only when its setting changes something, in the order
/// <c>generate()</c> uses: sequence bias, repetition penalty, no-repeat n-gram, then (when sampling) temperature, top-k,
/// top-p, min-p, typical-p.
/// </summary>
public record SamplerOptions : IValidatableOptions
{
    /// <summary><c>do_sample</c>: draw from the distribution; false picks the highest score.</summary>
    [Description("Draw from the distribution; false picks the highest score.")]
    public bool DoSample { get; init; }

    /// <summary><c>temperature</c>: divides the logits when sampling.</summary>
    [Description("Divides the logits when sampling.")]
    [Range(0.0, double.MaxValue)]
    public double Temperature { get; init; } = 1.0;

    /// <summary><c>top_k</c>: keep the k highest tokens when sampling; 0 turns it off.</summary>
    [Description("Keep the k highest tokens when sampling; 0 turns it off.")]
    [Range(0, int.MaxValue)]
    public int TopK { get; init; } = 50;

    /// <summary><c>top_p</c>: nucleus mass kept when sampling; 1 turns it off.</summary>
    [Description("Nucleus mass kept when sampling; 1 turns it off.")]
    [Range(0.0, 1.0)]
    public double TopP { get; init; } = 1.0;

    /// <summary><c>min_p</c>: fraction of the top probability a token needs when sampling; null turns it off.</summary>
    [Description("Fraction of the top probability a token needs when sampling; null turns it off.")]
    [Range(0.0, 1.0)]
    public double? MinP { get; init; }

    /// <summary><c>typical_p</c>: locally typical mass kept when sampling; 1 turns it off.</summary>
    [Description("Locally typical mass kept when sampling; 1 turns it off.")]
    [Range(0.0, 1.0, MinimumIsExclusive = true)]
    public double TypicalP { get; init; } = 1.0;

    /// <summary><c>repetition_penalty</c>: CTRL penalty on tokens already present; 1 turns it off.</summary>
    [Description("CTRL penalty on tokens already present; 1 turns it off.")]
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true)]
    public double RepetitionPenalty { get; init; } = 1.0;

    /// <summary><c>no_repeat_ngram_size</c>: n-grams of this size may occur only once; 0 turns it off.</summary>
    [Description("N-grams of this size may occur only once; 0 turns it off.")]
    [Range(0, int.MaxValue)]
    public int NoRepeatNgramSize { get; init; }

    /// <summary><c>sequence_bias</c>: biases added to token sequences (a one-token sequence is a plain logit bias).</summary>
    [Description("Biases added to token sequences (a one-token sequence is a plain logit bias).")]
    public IReadOnlyList<SequenceBiasEntry>? SequenceBias { get; init; }

    /// <summary>The processor chain these options call for, in <c>generate()</c>'s order.</summary>
    public IReadOnlyList<ILogitsProcessor> CreateProcessors()
    {
        var processors = new List<ILogitsProcessor>();
        if (SequenceBias is { Count: > 0 })
        {
            processors.Add(new SequenceBiasLogitsProcessor(SequenceBias.Select(e => new KeyValuePair<IReadOnlyList<int>, float>(e.Sequence, e.Bias))));
        }

        if (RepetitionPenalty != 1.0)
        {
            processors.Add(new RepetitionPenaltyLogitsProcessor(RepetitionPenalty));
        }

        if (NoRepeatNgramSize > 0)
        {
            processors.Add(new NoRepeatNGramLogitsProcessor(NoRepeatNgramSize));
        }

        if (DoSample)
        {
            if (Temperature != 1.0)
            {
                processors.Add(new TemperatureLogitsWarper(Temperature));
            }

            if (TopK != 0)
            {
                processors.Add(new TopKLogitsWarper(TopK));
            }

            if (TopP < 1.0)
            {
                processors.Add(new TopPLogitsWarper(TopP));
            }

            if (MinP is { } minP)
            {
                processors.Add(new MinPLogitsWarper(minP));
            }

            if (TypicalP < 1.0)
            {
                processors.Add(new TypicalLogitsWarper(TypicalP));
            }
        }

        return processors;
    }

    /// <summary>The sampler these options describe.</summary>
    public TokenSampler CreateSampler() => new(CreateProcessors(), DoSample);

    /// <inheritdoc />
    public virtual IEnumerable<OptionProblem> Validate()
    {
        if (DoSample && !(Temperature > 0 && double.IsFinite(Temperature)))
        {
            yield return new OptionProblem("temperature", $"must be a positive number when do_sample is true, got {Temperature}; set do_sample to false for greedy decoding.");
        }

        if (TopK < 0)
        {
            yield return new OptionProblem("top_k", $"must be 0 (off) or positive, got {TopK}.");
        }

        if (!(TopP >= 0 && TopP <= 1))
        {
            yield return new OptionProblem("top_p", $"must lie in [0, 1], got {TopP}.");
        }

        if (MinP is { } minP && !(minP >= 0 && minP <= 1))
        {
            yield return new OptionProblem("min_p", $"must lie in [0, 1], got {minP}.");
        }

        if (!(TypicalP > 0 && TypicalP <= 1))
        {
            yield return new OptionProblem("typical_p", $"must lie in (0, 1], got {TypicalP}.");
        }

        if (!(RepetitionPenalty > 0 && double.IsFinite(RepetitionPenalty)))
        {
            yield return new OptionProblem("repetition_penalty", $"must be a positive number, got {RepetitionPenalty}.");
        }

        if (NoRepeatNgramSize < 0)
        {
            yield return new OptionProblem("no_repeat_ngram_size", $"must be 0 (off) or positive, got {NoRepeatNgramSize}.");
        }

        for (int i = 0; SequenceBias is not null && i < SequenceBias.Count; i++)
        {
            if (SequenceBias[i]?.Sequence is not { Count: > 0 } sequence || sequence.Any(t => t < 0))
            {
                yield return new OptionProblem($"sequence_bias[{i}].sequence", "must be a non-empty list of non-negative token ids.");
            }
        }

    }
}
