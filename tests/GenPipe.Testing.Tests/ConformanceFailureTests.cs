using GenPipe.Abstractions.Models;
using GenPipe.Tensors;
using Shouldly;
using Xunit;
using Xunit.Sdk;

namespace GenPipe.Testing.Tests;

/// <summary>
/// The conformance bases can fail: each is run against a component with one deliberate fault, and the fact that covers
/// that fault must fail with a message that names it, while a fact about something else still passes. The suites are
/// private, so xunit does not run them on their own.
/// </summary>
public sealed class ConformanceFailureTests
{
    [Fact]
    public async Task The_encoder_batch_fact_fails_an_encoder_that_mixes_rows()
    {
        var suite = new EncoderSuite(() => new RowShiftingEncoder());

        var failure = await Should.ThrowAsync<XunitException>(suite.Rows_of_a_batch_do_not_influence_each_other);

        failure.Message.ShouldContain("Mean of row 0 of a batch of 4 against the row alone");
        await suite.The_encoding_is_batch_first_and_its_parts_agree();
    }

    [Fact]
    public async Task The_encoder_cancellation_fact_fails_an_encoder_that_ignores_its_token()
    {
        var suite = new EncoderSuite(() => new CancellationIgnoringEncoder());

        var failure = await Should.ThrowAsync<XunitException>(suite.An_already_cancelled_call_throws_OperationCanceledException);

        failure.Message.ShouldContain("EncodeAsync with an already cancelled token returned normally");
        await suite.Rows_of_a_batch_do_not_influence_each_other();
    }

    [Fact]
    public async Task The_encoder_seed_fact_fails_an_encoding_that_ignores_its_generator()
    {
        var suite = new EncoderSuite(() => new SeedIgnoringEncoder());

        var failure = await Should.ThrowAsync<XunitException>(suite.The_same_seed_gives_the_same_sample);

        failure.Message.ShouldContain("Sample with seed 7, twice");
        await suite.The_same_data_gives_the_same_encoding();
    }

    [Fact]
    public async Task The_decoder_ownership_fact_fails_a_decoder_that_writes_into_its_latent()
    {
        var suite = new DecoderSuite(() => new InPlaceDecoder());

        var failure = await Should.ThrowAsync<XunitException>(suite.The_latent_is_left_alone_and_outputs_are_handed_over);

        failure.Message.ShouldContain("values of latent changed during the call");
        await suite.The_output_is_batch_first_with_one_data_shape();
    }

    [Fact]
    public async Task The_decoder_batch_fact_fails_a_decoder_that_centres_over_the_batch()
    {
        var suite = new DecoderSuite(() => new BatchCenteringDecoder());

        var failure = await Should.ThrowAsync<XunitException>(suite.Rows_of_a_batch_do_not_influence_each_other);

        failure.Message.ShouldContain("of a batch of 4 against the row alone");
        await suite.The_same_latent_gives_the_same_output();
    }

    [Fact]
    public async Task The_decoder_batch_fact_accepts_differences_within_the_declared_tolerance()
    {
        // Centring moves every value by the batch mean, about 0.3 for these draws: a tolerance of 1 admits it, 1e-3 does not.
        await new DecoderSuite(() => new BatchCenteringDecoder(), tolerance: 1).Rows_of_a_batch_do_not_influence_each_other();
        await Should.ThrowAsync<XunitException>(new DecoderSuite(() => new BatchCenteringDecoder(), tolerance: 1e-3).Rows_of_a_batch_do_not_influence_each_other);
    }

    [Fact]
    public async Task The_denoiser_concurrency_fact_fails_a_denoiser_that_declares_ConcurrentUse_but_keeps_state_in_a_field()
    {
        var failure = await Should.ThrowAsync<XunitException>(
            new DenoiserSuite(() => new ScratchFieldDenoiser(), concurrentUse: true).Concurrent_calls_give_the_one_by_one_results);

        failure.Message.ShouldContain("made at once on one instance (ConcurrentUse)");

        // Without the flag the host gives each concurrent call its own instance, and a field is then private to a call.
        await new DenoiserSuite(() => new ScratchFieldDenoiser(), concurrentUse: false).Concurrent_calls_give_the_one_by_one_results();
    }

    [Fact]
    public async Task The_denoiser_concurrency_fact_fails_instances_that_share_static_state()
    {
        var failure = await Should.ThrowAsync<XunitException>(
            new DenoiserSuite(() => new ScratchFieldDenoiser(shareAcrossInstances: true), concurrentUse: false).Concurrent_calls_give_the_one_by_one_results);

        failure.Message.ShouldContain("made at once on one instance per call (no ConcurrentUse)");
    }

    [Fact]
    public async Task The_denoiser_shape_fact_fails_a_prediction_narrower_than_the_sample()
    {
        var suite = new DenoiserSuite(() => new NarrowingDenoiser());

        var failure = await Should.ThrowAsync<XunitException>(suite.The_prediction_has_the_shape_of_the_sample);

        failure.Message.ShouldContain("prediction for a batch of 1 at t=999: shape [1, 2], expected [1, 3]");
        suite.Declares_its_sample_shape_and_prediction_type();
    }

    [Fact]
    public async Task The_conditioner_batch_fact_fails_a_conditioner_that_centres_over_the_batch()
    {
        var suite = new ConditionerSuite(ConditionerFault.CentresOverTheBatch);

        var failure = await Should.ThrowAsync<XunitException>(suite.Rows_of_a_batch_do_not_influence_each_other);

        failure.Message.ShouldContain("Pooled of item 0 of 4 against the item alone");
        await suite.The_conditioning_is_batch_first_and_its_parts_agree();
    }

    [Fact]
    public async Task The_conditioner_layout_fact_fails_a_mask_that_is_not_zeros_and_ones()
    {
        var suite = new ConditionerSuite(ConditionerFault.SoftMask);

        var failure = await Should.ThrowAsync<XunitException>(suite.The_conditioning_is_batch_first_and_its_parts_agree);

        failure.Message.ShouldContain("Mask value 0.5 at flat index 0");
        await suite.Rows_of_a_batch_do_not_influence_each_other();
    }

    [Fact]
    public async Task The_conditioner_unconditional_fact_fails_an_unconditional_conditioning_of_another_length()
    {
        var suite = new ConditionerSuite(ConditionerFault.ShortUnconditional);

        var failure = await Should.ThrowAsync<XunitException>(suite.The_unconditional_conditioning_matches_the_layout_and_is_the_same_for_every_item);

        failure.Message.ShouldContain("Embeddings per item: shape [4, 1, 4], expected [4, 8, 4]");
        await suite.The_conditioning_is_batch_first_and_its_parts_agree();
    }

    [Fact]
    public void TensorAssert_reports_the_worst_value_and_returns_the_largest_difference()
    {
        var expected = new Tensor([1f, 10f, -3f], 3);

        TensorAssert.Close(expected, new Tensor([1f, 10.5f, -3.25f], 3), 0.1, "close").ShouldBe(0.5);
        var failure = Should.Throw<XunitException>(() => TensorAssert.Close(expected, new Tensor([1f, 10.5f, -3.25f], 3), 0.01, "far"));
        failure.Message.ShouldContain("far: 2 of 3 values differ beyond tolerance 0.01; the worst at flat index 1 is 10.5 where 10 was expected");
        Should.Throw<XunitException>(() => TensorAssert.Close(expected, new Tensor([1f, float.NaN, -3f], 3), 1, "nan")).Message.ShouldContain("flat index 1 is NaN");
    }

    private sealed class EncoderSuite(Func<IEncoder> create) : EncoderConformance
    {
        protected override IEncoder Create() => create();

        protected override IReadOnlyList<int> DataShape => [LinearGaussianEncoder.DataDimension];
    }

    private sealed class DecoderSuite(Func<IDecoder> create, double tolerance = 0) : DecoderConformance
    {
        protected override IDecoder Create() => create();

        protected override IReadOnlyList<int> LatentShape => [2, 3];

        protected override double Tolerance => tolerance;
    }

    private sealed class DenoiserSuite(Func<IDenoiser> create, bool concurrentUse = false) : DenoiserConformance
    {
        protected override IDenoiser Create() => create();

        protected override bool ConcurrentUse => concurrentUse;
    }

    private sealed class ConditionerSuite(ConditionerFault fault) : ConditionerConformance
    {
        protected override IConditioner Create() => new FaultyConditioner(fault);

        protected override ConditioningInput CreateInput(int batchSize, int seed) =>
            new(Text: [.. Enumerable.Range(0, batchSize).Select(i => CharacterConditionerConformance.Prompts[(seed + i) % CharacterConditionerConformance.Prompts.Length])]);
    }
}
