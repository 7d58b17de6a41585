using GenPipe.Abstractions.Models;
using GenPipe.Diffusion.Diffusers;
using GenPipe.Tensors.Backends;
using Shouldly;
using Xunit;

namespace GenPipe.Diffusion.Tests.Diffusers;

/// <summary>
/// SD's text conditioning on models/tiny-sd: prompts become the 77 ids SD feeds its text encoder, and the conditioning
/// is that encoder's hidden states; the unconditional one is the empty prompt's, as in diffusers.
/// </summary>
public sealed class ClipTextConditionerTests
{
    internal static readonly string TinySd = Path.Combine(AppContext.BaseDirectory, "models", "tiny-sd");

    [Fact]
    public async Task A_prompt_becomes_the_text_encoders_hidden_states_for_sds_77_ids()
    {
        using var conditioner = ClipTextConditioner.Open("text_encoder", TinySd, new ClipTextConditionerOptions(), TensorBackends.Cpu);
        int[] ids = conditioner.Tokenizer.EncodeForTextEncoder("a red cat");
        ids.Length.ShouldBe(77);
        ids[0].ShouldBe(998, "the tiny vocabulary's <|startoftext|>");

        var conditioning = await conditioner.EncodeAsync(new ConditioningInput(["a red cat", "a dog"]), CancellationToken.None);

        conditioning.Embeddings.GetShape().ShouldBe([2, 77, 32]);
        conditioning.Pooled!.GetShape().ShouldBe([2, 32]);
        var direct = conditioner.Model.Forward(ids, 1);
        conditioning.Embeddings.View.Select(0, 0).ToArray().ShouldBe(direct.LastHiddenState.Select(0, 0).ToArray());
        conditioning.Pooled.View.Select(0, 0).ToArray().ShouldBe(direct.PooledOutput.Select(0, 0).ToArray());
        int end = Array.IndexOf(ids, 999);
        direct.PoolIndices.ShouldBe([end], "pooled at the end-of-text token (the legacy argmax rule of eos_token_id 2)");
    }

    [Fact]
    public async Task The_unconditional_conditioning_is_the_empty_prompts_and_clip_skip_takes_an_earlier_layer()
    {
        using var conditioner = ClipTextConditioner.Open("text_encoder", TinySd, new ClipTextConditionerOptions(), TensorBackends.Cpu);
        var empty = await conditioner.EncodeAsync(new ConditioningInput(["", ""]), CancellationToken.None);
        var unconditional = await conditioner.EncodeUnconditionalAsync(2, CancellationToken.None);
        unconditional.Embeddings.View.ToArray().ShouldBe(empty.Embeddings.View.ToArray());

        using var skipping = ClipTextConditioner.Open("text_encoder", TinySd, new ClipTextConditionerOptions { ClipSkip = 1 }, TensorBackends.Cpu);
        var skipped = await skipping.EncodeAsync(new ConditioningInput(["a red cat"]), CancellationToken.None);
        skipping.Model.Forward(skipping.Tokenizer.EncodeForTextEncoder("a red cat"), 1);
        skipped.Embeddings.View.ToArray().ShouldBe(skipping.Model.ClipSkip(1).ToArray());
        skipped.Embeddings.View.ToArray().ShouldNotBe(empty.Embeddings.View.Select(0, 0).ToArray());
    }
}
