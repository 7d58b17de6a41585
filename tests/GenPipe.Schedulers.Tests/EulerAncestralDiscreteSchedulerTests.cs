using GenPipe.Abstractions.Models;
using GenPipe.Tensors;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace GenPipe.Schedulers.Tests;

[CoversScheduler("EulerAncestralDiscreteScheduler", "euler_a")]
public sealed class EulerAncestralDiscreteSchedulerTests(ITestOutputHelper output)
    : SchedulerSpecificationTests<EulerAncestralDiscreteSchedulerOptions>(output)
{
    protected override IScheduler Create(EulerAncestralDiscreteSchedulerOptions options) => new EulerAncestralDiscreteScheduler(options);

    [Fact]
    public void Needs_a_random_source()
    {
        var session = new EulerAncestralDiscreteScheduler(new EulerAncestralDiscreteSchedulerOptions()).SetTimesteps(3);
        var x = Tensor.Full(1f, 1, 1, 2, 2);
        Should.Throw<ArgumentNullException>(() => session.Step(x, session.Timesteps[0], x));
    }
}
