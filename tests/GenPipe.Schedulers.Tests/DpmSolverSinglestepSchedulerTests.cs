using GenPipe.Abstractions.Models;
using Xunit.Abstractions;

namespace GenPipe.Schedulers.Tests;

[CoversScheduler("DPMSolverSinglestepScheduler", "dpm_single")]
public sealed class DpmSolverSinglestepSchedulerTests(ITestOutputHelper output)
    : SchedulerSpecificationTests<DpmSolverSinglestepSchedulerOptions>(output)
{
    protected override IScheduler Create(DpmSolverSinglestepSchedulerOptions options) => new DpmSolverSinglestepScheduler(options);

    protected override bool DescendsStrictly(int steps) => steps < 1000;
}
