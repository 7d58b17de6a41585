using System.Text.Json;
using GenPipe.Abstractions.Components;
using GenPipe.Abstractions.Models;
using Shouldly;
using Xunit;

namespace GenPipe.Sampling.Tests;

/// <summary>The options carry GenerationConfig's keys and defaults and build generate()'s processor chain.</summary>
public sealed class SamplerOptionsTests
{
    private static readonly JsonSerializerOptions SnakeCase = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    [Fact]
    public void Transformers_defaults_decode_greedily_with_no_processors()
    {
        var options = new SamplerOptions();

        options.CreateProcessors().ShouldBeEmpty();
        options.CreateSampler().DoSample.ShouldBeFalse();
        options.Validate().ShouldBeEmpty();
    }

    [Fact]
    public void Sampling_adds_only_the_warpers_that_change_something_in_generate_order()
    {
        var options = new MultinomialSamplerOptions { SequenceBias = [new SequenceBiasEntry { Sequence = [1], Bias = 1 }], RepetitionPenalty = 1.1, NoRepeatNgramSize = 2, Temperature = 0.8, TopP = 0.9, MinP = 0.1, TypicalP = 0.95 };

        options.CreateProcessors().Select(p => p.GetType()).ShouldBe(
        [
            typeof(SequenceBiasLogitsProcessor), typeof(RepetitionPenaltyLogitsProcessor), typeof(NoRepeatNGramLogitsProcessor),
            typeof(TemperatureLogitsWarper), typeof(TopKLogitsWarper), typeof(TopPLogitsWarper), typeof(MinPLogitsWarper), typeof(TypicalLogitsWarper),
        ]);
        options.CreateProcessors().OfType<TopKLogitsWarper>().Single().TopK.ShouldBe(50);
    }

    [Fact]
    public void A_generation_config_binds_with_its_own_key_names()
    {
        const string Json = """
            { "do_sample": true, "temperature": 0.6, "top_k": 20, "top_p": 0.95, "min_p": 0.05, "typical_p": 1.0,
              "repetition_penalty": 1.05, "no_repeat_ngram_size": 3, "max_new_tokens": 64, "eos_token_id": [2, 32000],
              "stop_strings": ["</s>"], "seed": 1234, "sequence_bias": [{ "sequence": [5, 6], "bias": -3.5 }] }
            """;

        var options = JsonSerializer.Deserialize<GenerationOptions>(Json, SnakeCase)!;

        (options with { EosTokenId = null, StopStrings = null, SequenceBias = null }).ShouldBe(new GenerationOptions
        {
            DoSample = true, Temperature = 0.6, TopK = 20, TopP = 0.95, MinP = 0.05, TypicalP = 1.0, RepetitionPenalty = 1.05,
            NoRepeatNgramSize = 3, MaxNewTokens = 64, Seed = 1234,
        });
        options.EosTokenId.ShouldBe([2, 32000]);
        options.StopStrings.ShouldBe(["</s>"]);
        options.SequenceBias!.Single().Sequence.ShouldBe([5, 6]);
        options.SequenceBias!.Single().Bias.ShouldBe(-3.5f);
        options.Validate().ShouldBeEmpty();
    }

    [Fact]
    public void Invalid_settings_name_their_keys()
    {
        var options = new GenerationOptions { DoSample = true, Temperature = 0, TopK = -1, TopP = 1.5, MinP = -0.1, TypicalP = 0, RepetitionPenalty = 0, NoRepeatNgramSize = -2, MaxNewTokens = 0, StopStrings = [""] };

        options.Validate().Select(p => p.Key).ShouldBe(
            ["temperature", "top_k", "top_p", "min_p", "typical_p", "repetition_penalty", "no_repeat_ngram_size", "max_new_tokens", "stop_strings[0]"]);
    }

    [Fact]
    public async Task The_component_factory_builds_the_sampler_its_options_describe()
    {
        var descriptor = SamplingPlugin.Descriptors.Single(d => d.Id == SamplingPlugin.MultinomialId);
        var context = new ComponentActivationContext
        {
            Name = "sampler",
            Options = new MultinomialSamplerOptions { TopK = 0, TopP = 0.8, RepetitionPenalty = 1.2 },
            Services = new NoServices(),
        };

        var sampler = (await descriptor.Factory(context, CancellationToken.None)).ShouldBeOfType<TokenSampler>();

        sampler.DoSample.ShouldBeTrue();
        sampler.Processors.Select(p => p.GetType()).ShouldBe([typeof(RepetitionPenaltyLogitsProcessor), typeof(TopPLogitsWarper)]);
    }

    [Fact]
    public void The_plugin_registers_both_samplers_as_isampler_components()
    {
        SamplingPlugin.Descriptors.Select(d => d.Id).ShouldBe(["sampler/transformers", "sampler/multinomial"]);
        SamplingPlugin.Descriptors.ShouldAllBe(d => d.ContractType == typeof(ISampler));
        new MultinomialSamplerOptions().DoSample.ShouldBeTrue();
    }

    private sealed class NoServices : IServiceProvider
    {
        public object? GetService(Type serviceType) => null;
    }
}
