using GenPipe.Abstractions.Models;
using Xunit.Abstractions;

namespace GenPipe.Schedulers.Tests;

[CoversScheduler("DEISMultistepScheduler", "deis")]
public sealed class DeisMultistepSchedulerTests(ITestOutputHelper output) : SchedulerSpecificationTests<DeisMultistepSchedulerOptions>(output)
{
    protected override IScheduler Create(DeisMultistepSchedulerOptions options) => new DeisMultistepScheduler(options);
}
