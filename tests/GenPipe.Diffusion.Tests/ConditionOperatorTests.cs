using GenPipe.Abstractions.Models;
using GenPipe.Core.Operators;
using GenPipe.Tensors;
using GenPipe.Testing;
using NSubstitute;
using Shouldly;
using Xunit;

namespace GenPipe.Diffusion.Tests;

public sealed class ConditionOperatorTests
{
    [Fact]
    public async Task A_prompt_is_encoded_once_per_sample_and_the_conditioner_lease_is_released()
    {
        var conditioner = Substitute.For<IConditioner>();
        var encoded = new Conditioning(Tensor.Full(1f, 3, 4, 8));
#pragma warning disable CA2012 // NSubstitute's Returns configures the call; the ValueTask is never awaited here.
        conditioner.EncodeAsync(Arg.Any<ConditioningInput>(), Arg.Any<CancellationToken>()).Returns(ValueTask.FromResult(encoded));
#pragma warning restore CA2012
        var context = new FakeOperatorContext(new ConditionOperator()).WithComponent("conditioner", conditioner)
            .WithInput("text", "a red fox").WithInput("count", 3);

        var result = await new ConditionOperator().ExecuteAsync(context, CancellationToken.None);

        result.ShouldBeSameAs(encoded);
        await conditioner.Received(1).EncodeAsync(Arg.Is<ConditioningInput>(i => i.Text!.SequenceEqual(new[] { "a red fox", "a red fox", "a red fox" })), Arg.Any<CancellationToken>());
        context.OpenLeases.ShouldBeEmpty();
    }

    [Fact]
    public async Task Without_a_prompt_it_gives_the_unconditional_conditioning()
    {
        var conditioner = Substitute.For<IConditioner>();
        var empty = new Conditioning(Tensor.Zeros(2, 4, 8));
#pragma warning disable CA2012 // NSubstitute's Returns configures the call; the ValueTask is never awaited here.
        conditioner.EncodeUnconditionalAsync(2, Arg.Any<CancellationToken>()).Returns(ValueTask.FromResult(empty));
#pragma warning restore CA2012

        var result = await new ConditionOperator().ExecuteAsync(
            new FakeOperatorContext(new ConditionOperator()).WithComponent("conditioner", conditioner).WithInput("count", 2), CancellationToken.None);

        result.ShouldBeSameAs(empty);
        await conditioner.DidNotReceive().EncodeAsync(Arg.Any<ConditioningInput>(), Arg.Any<CancellationToken>());
    }
}
