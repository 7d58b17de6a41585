using GenPipe.Abstractions.Models;
using GenPipe.Tensors;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace GenPipe.Schedulers.Tests;

[CoversScheduler("KDPM2AncestralDiscreteScheduler", "kdpm2_a")]
public sealed class KDpm2AncestralDiscreteSchedulerTests(ITestOutputHelper output)
    : SchedulerSpecificationTests<KDpm2AncestralDiscreteSchedulerOptions>(output)
{
    protected override IScheduler Create(KDpm2AncestralDiscreteSchedulerOptions options) => new KDpm2AncestralDiscreteScheduler(options);

    protected override int TimestepCount(int steps) => (2 * steps) - 1;

    // The odd positions are the midpoint evaluations.
    protected override IEnumerable<float> PrincipalTimesteps(IReadOnlyList<float> timesteps) => timesteps.Where((_, i) => i % 2 == 0);

    [Fact]
    public void Draws_noise_only_when_a_step_completes()
    {
        var session = new KDpm2AncestralDiscreteScheduler(new KDpm2AncestralDiscreteSchedulerOptions()).SetTimesteps(3);
        var x = Tensor.Full(1f, 1, 1, 2, 2);
        var random = new ReplayingRandomSource([[0f, 0f, 0f, 0f], [0f, 0f, 0f, 0f]]);
        foreach (float t in session.Timesteps)
        {
            x = session.Step(Tensor.Zeros(1, 1, 2, 2), t, x, random).PrevSample;
        }

        // 5 model calls: two completed two-call steps draw, the final Euler step does not.
        session.Timesteps.Count.ShouldBe(5);
        random.Remaining.ShouldBe(0);
    }
}
