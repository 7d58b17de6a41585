using GenPipe.Abstractions.Models;
using Xunit.Abstractions;

namespace GenPipe.Schedulers.Tests;

[CoversScheduler("KDPM2DiscreteScheduler", "kdpm2")]
public sealed class KDpm2DiscreteSchedulerTests(ITestOutputHelper output) : SchedulerSpecificationTests<KDpm2DiscreteSchedulerOptions>(output)
{
    protected override IScheduler Create(KDpm2DiscreteSchedulerOptions options) => new KDpm2DiscreteScheduler(options);

    protected override int TimestepCount(int steps) => (2 * steps) - 1;

    // The odd positions are the midpoint evaluations.
    protected override IEnumerable<float> PrincipalTimesteps(IReadOnlyList<float> timesteps) => timesteps.Where((_, i) => i % 2 == 0);
}
