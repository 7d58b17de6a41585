using GenPipe.Tensors;
using Shouldly;
using Xunit;

namespace GenPipe.Sampling.Tests;

/// <summary>Processors without transformers references, checked against results worked out by hand.</summary>
public sealed class ClosedFormProcessorTests
{
    private static readonly IReadOnlyList<IReadOnlyList<int>> NoIds = [[]];

    // Probabilities 1/2, 1/4, 1/8, 1/8: entropy 1.75 ln 2; surprisals 1, 2, 3, 3 (times ln 2), so the distances from
    // the entropy are 0.75, 0.25, 1.25, 1.25 and the typical order is token 1, 0, then 2 and 3 (mass 1/4, 3/4, 7/8, 1).
    private static Tensor Halving() => new([MathF.Log(4), MathF.Log(2), 0, 0], 1, 4);

    [Theory]
    [InlineData(0.2, new[] { false, true, false, false })]   // no prefix below 0.2: only the most typical token
    [InlineData(0.5, new[] { true, true, false, false })]    // 1/4 < 0.5: the second most typical joins
    [InlineData(0.8, new[] { true, true, true, true })]      // 3/4 < 0.8: tokens 2 and 3 tie at the limit and stay
    public void Typical_p_keeps_the_tokens_closest_to_the_entropy(double mass, bool[] kept)
    {
        using Tensor scores = Halving();

        new TypicalLogitsWarper(mass).Process(NoIds, scores);

        scores.Span.ToArray().Select(float.IsFinite).ShouldBe(kept);
        scores[0, 1].ShouldBe(MathF.Log(2));
    }

    [Fact]
    public void Typical_p_min_tokens_to_keep_keeps_the_most_typical_first()
    {
        using Tensor scores = Halving();

        new TypicalLogitsWarper(0.2, minTokensToKeep: 2).Process(NoIds, scores);

        scores.Span.ToArray().Select(float.IsFinite).ShouldBe([true, true, false, false]);
    }

    [Fact]
    public void Top_k_keeps_every_score_tied_with_the_kth()
    {
        using Tensor scores = new([3f, 1f, 2f, 2f, 0f], 1, 5);

        new TopKLogitsWarper(2).Process(NoIds, scores);

        scores.Span.ToArray().ShouldBe([3f, float.NegativeInfinity, 2f, 2f, float.NegativeInfinity]);
    }

    [Fact]
    public void Top_p_breaks_ties_in_index_order()
    {
        // Four equal scores: the running mass is 1/4, 1/2, 3/4, 1 in index order, so with top_p 0.5 the first two go.
        using Tensor scores = Tensor.Zeros(1, 4);

        new TopPLogitsWarper(0.5).Process(NoIds, scores);

        scores.Span.ToArray().ShouldBe([float.NegativeInfinity, float.NegativeInfinity, 0f, 0f]);
    }

    [Fact]
    public void Min_p_min_tokens_to_keep_keeps_the_highest_scores_first()
    {
        using Tensor scores = new([-1f, 3f, -2f, 2f, float.NegativeInfinity], 1, 5);

        new MinPLogitsWarper(1.0, minTokensToKeep: 2).Process(NoIds, scores);

        scores.Span.ToArray().ShouldBe([float.NegativeInfinity, 3f, float.NegativeInfinity, 2f, float.NegativeInfinity]);
    }

    [Fact]
    public void Sequence_bias_applies_single_tokens_always_and_longer_sequences_after_their_prefix()
    {
        var processor = new SequenceBiasLogitsProcessor(
        [
            new KeyValuePair<IReadOnlyList<int>, float>([1], -2f),
            new KeyValuePair<IReadOnlyList<int>, float>([4, 2], 5f),
            new KeyValuePair<IReadOnlyList<int>, float>([0, 3], 7f),
        ]);
        using Tensor scores = Tensor.Zeros(2, 5);

        processor.Process([[0, 4], [4, 0]], scores);

        // Row 0 ends with 4: [4, 2] applies; row 1 ends with 0: [0, 3] applies.
        scores.Span.ToArray().ShouldBe([0f, -2f, 5f, 0f, 0f, 0f, -2f, 0f, 7f, 0f]);
    }

    [Fact]
    public void Repetition_penalty_rejects_ids_outside_the_vocabulary()
    {
        using Tensor scores = Tensor.Zeros(1, 3);

        Should.Throw<ArgumentOutOfRangeException>(() => new RepetitionPenaltyLogitsProcessor(1.2).Process([[0, 3]], scores))
            .Message.ShouldContain("Token id 3 of sequence 0");
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    public void Temperature_must_be_positive(double temperature) =>
        Should.Throw<ArgumentOutOfRangeException>(() => new TemperatureLogitsWarper(temperature));

    [Fact]
    public void Processors_reject_scores_that_are_not_batch_by_vocab()
    {
        using Tensor scores = Tensor.Zeros(4);

        Should.Throw<ArgumentException>(() => new TopPLogitsWarper(0.9).Process(NoIds, scores)).Message.ShouldContain("[batch, vocab]");
    }
}
