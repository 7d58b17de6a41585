using GenPipe.Tensors;
using Shouldly;
using Xunit;

namespace GenPipe.Sampling.Tests;

/// <summary>Stopping on length, end-of-sequence ids and stop strings, alone and inside the generation loop.</summary>
public sealed class StoppingTests
{
    // A toy vocabulary: token i decodes to Pieces[i].
    private static readonly string[] Pieces = ["<eos>", "Hel", "lo", " wor", "ld", "!", "\n", "Use", "r:"];

    private static string Detokenize(IReadOnlyList<int> ids) => string.Concat(ids.Select(i => Pieces[i]));

    [Fact]
    public void Max_new_tokens_counts_only_generated_tokens()
    {
        var criterion = new MaxNewTokensCriterion(2);

        criterion.IsDone([5, 5, 5, 1], promptLength: 3).ShouldBeFalse();
        criterion.IsDone([5, 5, 5, 1, 2], promptLength: 3).ShouldBeTrue();
    }

    [Fact]
    public void An_eos_id_stops_only_when_generated()
    {
        var criterion = new EosTokenCriterion([0, 6]);

        criterion.IsDone([1, 0], promptLength: 2).ShouldBeFalse();
        criterion.IsDone([1, 0, 2], promptLength: 2).ShouldBeFalse();
        criterion.IsDone([1, 0, 2, 6], promptLength: 2).ShouldBeTrue();
    }

    [Fact]
    public void A_stop_string_may_span_tokens_and_end_inside_the_last_one()
    {
        var criterion = new StopStringCriterion(["lo wo", "User:"], Detokenize);

        criterion.IsDone([1, 2], promptLength: 0).ShouldBeFalse();           // "Hello"
        criterion.IsDone([1, 2, 3], promptLength: 0).ShouldBeTrue();         // "Hello wor": "lo wo" ends inside " wor"
        criterion.IsDone([6, 7, 8], promptLength: 1).ShouldBeTrue();         // "User:" across two generated tokens
        criterion.IsDone([7, 8, 1], promptLength: 2).ShouldBeFalse();        // "User:" starts in the prompt: not generated
    }

    [Fact]
    public void A_stop_string_formed_earlier_does_not_stop_again_later()
    {
        // Generation continues past a stop string only if the caller ignored it; the criterion judges the last token.
        var criterion = new StopStringCriterion(["!"], Detokenize);

        criterion.IsDone([5, 1, 2], promptLength: 0).ShouldBeFalse();
    }

    [Fact]
    public void Greedy_generation_stops_each_sequence_on_its_own()
    {
        // The toy model always prefers the token after the last one, and <eos> after "!".
        static Tensor NextLogits(IReadOnlyList<IReadOnlyList<int>> sequences)
        {
            var logits = Tensor.Zeros(sequences.Count, Pieces.Length);
            for (int r = 0; r < sequences.Count; r++)
            {
                int last = sequences[r][^1];
                logits[r, last == 5 ? 0 : (last + 1) % Pieces.Length] = 10f;
            }

            return logits;
        }

        var options = new GenerationOptions { MaxNewTokens = 4, EosTokenId = [0], StopStrings = ["User:"] };

        var result = TokenGeneration.Generate(
            [[3], [1], [6]], NextLogits, options.CreateSampler(), options.CreateRandomSource(), options.CreateStoppingCriteria(Detokenize));

        result[0].ShouldBe([3, 4, 5, 0]);                 // " world!" then <eos>
        result[1].ShouldBe([1, 2, 3, 4, 5]);              // four new tokens: max_new_tokens
        result[2].ShouldBe([6, 7, 8]);                    // "User:" is a stop string
    }

    [Fact]
    public void Stop_strings_without_a_detokenizer_are_a_clear_error() =>
        Should.Throw<ArgumentNullException>(() => new GenerationOptions { StopStrings = ["x"] }.CreateStoppingCriteria())
            .Message.ShouldContain("detokenizer");

    [Fact]
    public void Generation_needs_a_length_bound() =>
        Should.Throw<ArgumentException>(() => TokenGeneration.Generate(
            [[1]], _ => Tensor.Zeros(1, 2), new TokenSampler([], false), new TorchGenerator(0), [new EosTokenCriterion([0])]));
}
