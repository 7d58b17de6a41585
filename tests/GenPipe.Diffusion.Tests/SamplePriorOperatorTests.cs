using GenPipe.Abstractions.Models;
using GenPipe.Core.Operators;
using GenPipe.Tensors;
using GenPipe.Testing;
using NSubstitute;
using Shouldly;
using Xunit;

namespace GenPipe.Diffusion.Tests;

public sealed class SamplePriorOperatorTests
{
    [Fact]
    public async Task The_model_draws_once_with_the_count_the_temperature_and_a_generator_seeded_as_torch()
    {
        var model = Substitute.For<IPriorSampler>();
        var latents = Tensor.Zeros(5, 4, 7, 7);
        IRandomSource? given = null;
        model.SamplePrior(5, 0.7, Arg.Do<IRandomSource>(r => given = r)).Returns(latents);
        var context = new FakeOperatorContext(new SamplePriorOperator())
            .WithComponent("model", model).WithInput("count", 5).WithInput("seed", 42).WithInput("temperature", 0.7);

        var result = await new SamplePriorOperator().ExecuteAsync(context, CancellationToken.None);

        result.ShouldBeSameAs(latents);
        model.Received(1).SamplePrior(Arg.Any<int>(), Arg.Any<double>(), Arg.Any<IRandomSource>());
        // The generator the model got continues torch.manual_seed(42): its first draw is torch.randn's.
        given.ShouldNotBeNull().Randn(6).View.ToArray().ShouldBe(new TorchGenerator(42).Randn(6).View.ToArray());
    }

    [Fact]
    public async Task Defaults_are_one_latent_seed_zero_and_the_prior_itself()
    {
        var model = Substitute.For<IPriorSampler>();
        model.SamplePrior(Arg.Any<int>(), Arg.Any<double>(), Arg.Any<IRandomSource>()).Returns(Tensor.Zeros(1, 2));
        var context = new FakeOperatorContext(new SamplePriorOperator()).WithComponent("model", model);

        await new SamplePriorOperator().ExecuteAsync(context, CancellationToken.None);

        model.Received(1).SamplePrior(1, 1.0, Arg.Any<IRandomSource>());
    }

    [Fact]
    public async Task A_cancelled_run_draws_nothing()
    {
        var model = Substitute.For<IPriorSampler>();
        var context = new FakeOperatorContext(new SamplePriorOperator()).WithComponent("model", model);

        await Should.ThrowAsync<OperationCanceledException>(
            async () => await new SamplePriorOperator().ExecuteAsync(context, new CancellationToken(canceled: true)));

        model.DidNotReceiveWithAnyArgs().SamplePrior(default, default, default!);
    }
}
