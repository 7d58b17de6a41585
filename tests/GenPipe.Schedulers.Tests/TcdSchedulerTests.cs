using GenPipe.Abstractions.Models;
using Xunit.Abstractions;

namespace GenPipe.Schedulers.Tests;

[CoversScheduler("TCDScheduler", "tcd")]
public sealed class TcdSchedulerTests(ITestOutputHelper output) : SchedulerSpecificationTests<TcdSchedulerOptions>(output)
{
    protected override IScheduler Create(TcdSchedulerOptions options) => new TcdScheduler(options);

    protected override int MaxSteps(TcdSchedulerOptions options) => options.OriginalInferenceSteps;
}
