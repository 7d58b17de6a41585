using System.Collections.Concurrent;
using GenPipe.Abstractions.Models;
using GenPipe.Tensors;
using Shouldly;
using Xunit;

namespace GenPipe.Sampling.Tests;

/// <summary>Every case of every logits reference file reproduces transformers' output (see Refs/README.md).</summary>
public sealed class LogitsProcessorReferenceTests
{
    private static readonly ConcurrentDictionary<string, LogitsRefFile> Files = new();

    [Theory]
    [LogitsReferenceCases]
    public void Processor_output_matches_transformers(string file, string caseName)
    {
        LogitsRefFile refs = Files.GetOrAdd(file, LogitsRefFile.Load);
        LogitsRefCase refCase = refs.Cases.Single(c => c.Name == caseName);
        IReadOnlyList<ILogitsProcessor> processors = ReferenceProcessors.Create(refCase.Processor, refCase.Parameters);
        IReadOnlyList<IReadOnlyList<int>> ids = refs.InputIds;
        using Tensor scores = ScoreAssert.ToTensor(refs.Scores);

        for (int step = 0; step < processors.Count; step++)
        {
            processors[step].Process(ids, scores);
            if (refCase.Intermediates.Count > 0)
            {
                ScoreAssert.Matches(scores, refCase.Intermediates[step].Output, $"{caseName} after {refCase.Intermediates[step].After}");
            }
        }

        ScoreAssert.Matches(scores, refCase.Output, caseName);
    }

    [Fact]
    public void The_bundled_file_holds_every_processor_and_the_chain()
    {
        LogitsRefFile refs = LogitsRefFile.Load(Path.Combine(LogitsReferenceCasesAttribute.BundledFolder, "logits.json.gz"));

        refs.Cases.Count.ShouldBe(32);
        refs.Cases.Select(c => c.Processor).Distinct().Order(StringComparer.Ordinal).ShouldBe(
        [
            "LogitsProcessorList", "MinPLogitsWarper", "NoRepeatNGramLogitsProcessor", "RepetitionPenaltyLogitsProcessor",
            "TemperatureLogitsWarper", "TopKLogitsWarper", "TopPLogitsWarper",
        ]);
        refs.Cases.Single(c => c.Name == "chain_generate_order").Intermediates.Count.ShouldBe(6);
    }

    [Fact]
    public void The_chain_built_from_generation_options_matches_the_reference_chain()
    {
        // The reference chain is generate()'s order for these GenerationConfig settings.
        var options = new SamplerOptions
        {
            DoSample = true,
            RepetitionPenalty = 1.3,
            NoRepeatNgramSize = 3,
            Temperature = 0.7,
            TopK = 20,
            TopP = 0.9,
            MinP = 0.05,
        };
        LogitsRefFile refs = LogitsRefFile.Load(Path.Combine(LogitsReferenceCasesAttribute.BundledFolder, "logits.json.gz"));
        LogitsRefCase chain = refs.Cases.Single(c => c.Name == "chain_generate_order");
        using Tensor logits = ScoreAssert.ToTensor(refs.Scores);

        using Tensor processed = options.CreateSampler().ProcessScores(logits, refs.InputIds);

        ScoreAssert.Matches(processed, chain.Output, "options chain");
        ScoreAssert.Matches(logits, refs.Scores, "the caller's logits");
    }
}
